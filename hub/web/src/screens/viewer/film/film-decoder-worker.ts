/**
 * The film decoder's worker (bundled on its own as /dist/film-decoder.js): fetches a study's lossless PNG and
 * decodes it (png-samples.ts) off the page's main thread, so the download and the decode overlap the viewer's own
 * set-up instead of queueing behind it. In: `{ id, url }`. Out: `{ id, width, height, data }` with the samples'
 * buffer transferred (not copied), or `{ id, error }` (HTTP status or a PNG that does not decode).
 */
import type { DecodeReply, DecodeRequest } from './film-decoder.ts';
import { pngSamples } from './png-samples.ts';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: { id, url } }) => {
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) {
      scope.postMessage({ id, error: `HTTP ${response.status}` });
      return;
    }
    const png = await pngSamples(new Uint8Array(await response.arrayBuffer()));
    scope.postMessage({ id, width: png.width, height: png.height, data: png.data }, [png.data.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: (error as Error).message });
  }
};
