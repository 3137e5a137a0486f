/**
 * Worker thread for the image reader fuzz suite (read-image.test.ts): reads each byte buffer it is sent with
 * the production `readImage` and answers how it went, so the suite can terminate a decode that hangs (even a
 * synchronous loop) and start a fresh worker.
 *   in:  { id, bytes }   out: { id, ok: true, rows, cols, pixels, finite } | { id, ok: false, cxr, kind, code, name, message }
 */
import { parentPort } from 'node:worker_threads';
import { isCxrError } from '../../models/errors.ts';
import { readImage } from '../../models/image/read-image.ts';

parentPort?.on('message', async ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  try {
    const image = await readImage(bytes);
    let finite = true;
    for (const v of image.pixels) if (!(v >= 0 && v <= 1)) finite = false;
    parentPort?.postMessage({ id, ok: true, rows: image.rows, cols: image.cols, pixels: image.pixels.length, finite });
  } catch (thrown) {
    const error = thrown as Error & { code?: unknown; kind?: unknown };
    parentPort?.postMessage({
      id,
      ok: false,
      cxr: isCxrError(thrown),
      kind: error?.kind,
      code: String(error?.code),
      name: String(error?.name),
      message: String(error?.message).slice(0, 300),
    });
  }
});
