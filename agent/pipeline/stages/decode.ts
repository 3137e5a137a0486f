/**
 * Decode stage, on the pixel pool, with the preprocess stage in the same task (stages/preprocess.ts). In: a
 * SourceFile, the model's input spec and whether the film's pixels are wanted later (a rendered preview, a live
 * shadow with its own input). Out: a DecodedFile — the film's facts (safe header, identifiers kept apart, the
 * tag-based chest verdict: models/image/read-image.ts), the model input, the pixels' standard deviation and, only
 * when wanted, the [0, 1] display pixels (and, for the `diagnostic` pixel policy, the lossless samples) — with
 * `displayMaxSide`, a film larger than that comes back area-averaged by a whole factor to fit it (`display` says
 * the pixels' own size: a 7000² film's preview needs no 196 MB of floats on its way to the render stage) — or a
 * verdict: a bad file is quarantined with its CXR_ERR_* code; a DICOM that reads as cut short and is younger than
 * `incompleteGraceMs` is looked at again (the writer may not be done). The bytes travel to the worker and back,
 * and the pixels back, without a copy; pixels nobody wants never leave the worker.
 */

import type { CxrError } from '../../../models/errors.ts';
import type { TextureStats } from '../../../models/image/image-stats.ts';
import { readImage } from '../../../models/image/read-image.ts';
import type { DecodedImage, DiagnosticPixels } from '../../../models/image/types.ts';
import type { InputSpec, ModelInput } from '../../../models/preprocess/input-spec.ts';
import { resizeGrey } from '../../../models/preprocess/resize-grey.ts';
import { retryIncomplete } from '../../intake/completeness.ts';
import type { PixelRunner, WorkerResult } from '../pool/pixel-tasks.ts';
import type { StageClock } from '../stage-clock.ts';
import { quarantine, type SourceFile, type Verdict } from '../verdict.ts';
import { prepareInWorker } from './preprocess.ts';

/** The film without its pixels: what the result is built from. */
export type FilmFacts = Omit<DecodedImage, 'pixels' | 'diagnostic'>;

/** A decoded film; its pixels are here only when a later stage asked for them. */
export type DecodedFilm = FilmFacts & {
  pixels?: Float32Array;
  diagnostic?: DiagnosticPixels;
  /** The pixels' own size, when they were reduced to fit `displayMaxSide` (rows/cols stay the film's). */
  display?: { cols: number; rows: number };
};

export interface DecodeTask {
  in: { bytes: Uint8Array; diagnostic: boolean; spec: InputSpec; keepPixels: boolean; displayMaxSide?: number };
  out: { image: DecodedFilm; bytes: Uint8Array; input: ModelInput; stats: TextureStats; prepareMs: number };
}

export interface DecodedFile {
  source: SourceFile;
  image: DecodedFilm;
  input: ModelInput;
  /** The display pixels' statistics (the gate's near-uniform and flatness checks). */
  stats: TextureStats;
}

export interface DecodeOptions {
  diagnostic: boolean;
  /** The model's input: the film is preprocessed for it in the same task. */
  spec: InputSpec;
  /** Whether the display pixels come back (render, a shadow with another input spec). */
  keepPixels: boolean;
  /** Pixels that come back for a preview only: at most this long a side (a whole-factor area average). */
  displayMaxSide?: number;
  incompleteGraceMs: number;
  now(): number;
}

export async function decode(
  source: SourceFile,
  pool: PixelRunner,
  options: DecodeOptions,
  clock: Pick<StageClock, 'add'>,
): Promise<DecodedFile | Verdict> {
  const started = performance.now();
  let reply: DecodeTask['out'];
  try {
    const { diagnostic, spec, keepPixels, displayMaxSide } = options;
    const task = { bytes: source.bytes, diagnostic, spec, keepPixels, ...(displayMaxSide ? { displayMaxSide } : {}) };
    reply = await pool.run('decode', task, [source.bytes.buffer as ArrayBuffer]);
  } catch (thrown) {
    clock.add('decode', performance.now() - started);
    const error = thrown as CxrError;
    if (error.kind !== 'input') throw thrown;
    if (retryIncomplete(error.code, source.file.mtimeMs, options.now(), options.incompleteGraceMs))
      return { kind: 'retry', code: error.code };
    return quarantine(source, error.code, error.message);
  }
  clock.add('preprocess', reply.prepareMs);
  clock.add('decode', performance.now() - started - reply.prepareMs);
  const { image, input, stats } = reply;
  return { source: { ...source, bytes: reply.bytes }, image, input, stats };
}

/** The worker's side: every decode failure is an `input` CxrError with an image code (readImage's contract). */
export async function decodeInWorker(task: DecodeTask['in']): Promise<WorkerResult<DecodeTask['out']>> {
  const image = await readImage(task.bytes, { diagnostic: task.diagnostic });
  const prepared = prepareInWorker(image, task.spec);
  const film: DecodedFilm = !task.keepPixels
    ? filmFacts(image)
    : task.displayMaxSide
      ? withinSide(image, task.displayMaxSide)
      : image;
  return {
    output: {
      image: film,
      bytes: task.bytes,
      input: prepared.input,
      stats: prepared.stats,
      prepareMs: prepared.ms,
    },
    transfer: [task.bytes.buffer as ArrayBuffer, prepared.input.data.buffer as ArrayBuffer, ...pixelBuffers(film)],
  };
}

export function filmFacts(image: DecodedFilm): FilmFacts {
  const { pixels, diagnostic, display, ...facts } = image;
  return facts;
}

/**
 * The film's display pixels area-averaged by the smallest whole factor that brings its long side to at most
 * `maxSide` (models/preprocess: the same resampling as the model input's). A film with diagnostic samples keeps
 * its pixels as they are: the text masks must fall on both at the same coordinates.
 */
export function withinSide(image: DecodedImage, maxSide: number): DecodedFilm {
  const factor = Math.ceil(Math.max(image.cols, image.rows) / maxSide);
  if (factor < 2 || image.diagnostic) return image;
  const cols = Math.max(1, Math.round(image.cols / factor));
  const rows = Math.max(1, Math.round(image.rows / factor));
  return { ...image, pixels: resizeGrey(image.pixels, image.cols, image.rows, cols, rows), display: { cols, rows } };
}

/** The ArrayBuffers behind a decoded film's pixels, to move rather than copy. */
export function pixelBuffers(image: Pick<DecodedFilm, 'pixels' | 'diagnostic'>): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  if (image.pixels) buffers.push(image.pixels.buffer as ArrayBuffer);
  const samples = image.diagnostic?.samples.buffer as ArrayBuffer | undefined;
  if (samples && samples !== buffers[0]) buffers.push(samples);
  return buffers;
}
