/**
 * Read stage. In: a complete file (intake). Out: a SourceFile — its bytes, read once, their sha256 (the file's
 * identity from here on: duplicates, result id) and the pseudonymous key logs carry — or `gone` when the file
 * vanished (moved or renamed away). Other I/O errors throw CXR_ERR_AGENT_READ_FAILED (internal: the file is
 * retried with backoff).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pseudonymize } from '../../../models/deid/pseudonymize.ts';
import { CxrError } from '../../../models/errors.ts';
import type { ArrivedFile } from '../../intake/arrived-file.ts';
import type { SourceFile, Verdict } from '../verdict.ts';

export async function readSource(file: ArrivedFile, siteSecret: string): Promise<SourceFile | Verdict> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    throw new CxrError('CXR_ERR_AGENT_READ_FAILED', `cannot read a source file (${code ?? 'error'})`, {
      kind: 'internal',
      cause,
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { file, bytes: ownBuffer(bytes), sha256, logKey: pseudonymize(siteSecret, `image:${sha256}`).slice(0, 16) };
}

/** Bytes that own their whole ArrayBuffer, so they can be moved to a worker without a copy. */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer) : bytes.slice();
}
