/**
 * Decode stage, on the pixel pool. In: a SourceFile. Out: a DecodedFile — the film's [0, 1] display pixels (and,
 * for the `diagnostic` pixel policy, its lossless samples), the safe header facts, the identifiers kept apart
 * and the tag-based chest verdict (models/image/read-image.ts) — or a verdict: a bad file is quarantined with
 * its CXR_ERR_* code; a DICOM that reads as cut short and is younger than `incompleteGraceMs` is looked at again
 * (the writer may not be done). The bytes travel to the worker and back without a copy.
 */
import type { CxrError } from '../../../models/errors.ts';
import { readImage } from '../../../models/image/read-image.ts';
import type { DecodedImage } from '../../../models/image/types.ts';
import { retryIncomplete } from '../../intake/completeness.ts';
import type { PixelRunner, WorkerResult } from '../pool/pixel-tasks.ts';
import { quarantine, type SourceFile, type Verdict } from '../verdict.ts';

export interface DecodeTask {
  in: { bytes: Uint8Array; diagnostic: boolean };
  out: { image: DecodedImage; bytes: Uint8Array };
}

export interface DecodedFile {
  source: SourceFile;
  image: DecodedImage;
}

export interface DecodeOptions {
  diagnostic: boolean;
  incompleteGraceMs: number;
  now(): number;
}

export async function decode(
  source: SourceFile,
  pool: PixelRunner,
  options: DecodeOptions,
): Promise<DecodedFile | Verdict> {
  let reply: DecodeTask['out'];
  try {
    reply = await pool.run('decode', { bytes: source.bytes, diagnostic: options.diagnostic }, [
      source.bytes.buffer as ArrayBuffer,
    ]);
  } catch (thrown) {
    const error = thrown as CxrError;
    if (error.kind !== 'input') throw thrown;
    if (retryIncomplete(error.code, source.file.mtimeMs, options.now(), options.incompleteGraceMs))
      return { kind: 'retry', code: error.code };
    return quarantine(source, error.code, error.message);
  }
  return { source: { ...source, bytes: reply.bytes }, image: reply.image };
}

/** The worker's side: every failure is an `input` CxrError with an image code (readImage's contract). */
export async function decodeInWorker(input: DecodeTask['in']): Promise<WorkerResult<DecodeTask['out']>> {
  const image = await readImage(input.bytes, { diagnostic: input.diagnostic });
  return {
    output: { image, bytes: input.bytes },
    transfer: [input.bytes.buffer as ArrayBuffer, ...pixelBuffers(image)],
  };
}

/** The ArrayBuffers behind a decoded film's pixels, to move rather than copy. */
export function pixelBuffers(image: Pick<DecodedImage, 'pixels' | 'diagnostic'>): ArrayBuffer[] {
  const buffers = [image.pixels.buffer as ArrayBuffer];
  const samples = image.diagnostic?.samples.buffer as ArrayBuffer | undefined;
  if (samples && samples !== buffers[0]) buffers.push(samples);
  return buffers;
}
