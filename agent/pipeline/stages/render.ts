/**
 * Render stage, on the pixel pool: what of the film may leave the clinic (docs/viewing.md). In: an InferredFile,
 * the model's manifest and the site's pixel policy. Out: a RenderedFile — the film's facts (its pixels are
 * spent here) and ReleasedPixels: the burned-in text report (`deid`; detected text is masked in every buffer the
 * images are drawn from), and unless the pixels stay home the de-identified preview JPEG, the evidence maps of
 * the finding classes and, for policy `diagnostic`, the lossless PNG and its description. Policy `none`: nothing
 * is rendered. A text detector failure keeps the pixels home (logged with CXR_ERR_DEID_TEXT_DETECTOR); nothing
 * here fails on a film that decoded.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { type BurnedInPolicy, deidentifyPixels, type PixelDeidReport } from '../../../models/deid/deidentify-pixels.ts';
import { scaleBoxes } from '../../../models/deid/text-boxes.ts';
import { asCxrError } from '../../../models/errors.ts';
import type { DiagnosticPixels, ImageMeta } from '../../../models/image/types.ts';
import type { Manifest } from '../../../models/package/manifest.ts';
import { type ResizeGeometry, resizeGeometry } from '../../../models/preprocess/preprocess.ts';
import type { ActivationMessage } from '../../../protocol/messages.ts';
import type { DiagnosticImage } from '../../../protocol/pixel-messages.ts';
import { activationMaps, evidenceFindings } from '../../screening/activation-map.ts';
import type { ImageBlob } from '../../screening/image-blob.ts';
import { previewSize, renderDiagnostic, renderPreview } from '../../screening/render-images.ts';
import type { SerializedError } from '../pool/pixel-pool.ts';
import type { PixelRunner, WorkerContext, WorkerResult } from '../pool/pixel-tasks.ts';
import { type FilmFacts, filmFacts, pixelBuffers } from './decode.ts';
import type { InferredFile } from './infer.ts';

export type PixelPolicy = 'none' | 'preview' | 'diagnostic';

export interface PixelRelease {
  policy: PixelPolicy;
  previewMaxSide: number;
  burnedIn: BurnedInPolicy;
}

export interface ReleasedPixels {
  deid: PixelDeidReport;
  preview?: ImageBlob;
  activation?: ActivationMessage;
  diagnostic?: { image: DiagnosticImage; png: Uint8Array };
}

export interface RenderTask {
  in: {
    pixels: Float32Array;
    diagnostic?: DiagnosticPixels;
    /** The pixels' size (smaller than the film's when the decode reduced them: DecodedFilm.display). */
    cols: number;
    rows: number;
    /** The film's own size: the masks are reported in its coordinates. */
    film: { cols: number; rows: number };
    meta: ImageMeta;
    release: PixelRelease;
    cam: Float32Array;
    camSize: number;
    inputSize: number;
    geometry: ResizeGeometry;
    findings: ReturnType<typeof evidenceFindings>;
  };
  out: ReleasedPixels & { detectorError?: SerializedError };
}

export interface RenderedFile extends Pick<InferredFile, 'source' | 'output' | 'probabilities'> {
  image: FilmFacts;
  pixels?: ReleasedPixels;
}

export async function render(
  inferred: InferredFile,
  manifest: Pick<Manifest, 'classes' | 'thresholds' | 'triage' | 'calibration' | 'input'>,
  release: PixelRelease,
  pool: PixelRunner,
  log: Logger,
): Promise<RenderedFile> {
  const { image, output } = inferred;
  const spent = { source: inferred.source, output, probabilities: inferred.probabilities, image: filmFacts(image) };
  if (release.policy === 'none') return spent;
  // The pipeline keeps the pixels whenever the policy renders (compose.ts): their absence is a defect, not input.
  if (!image.pixels) throw new Error('render: the decode stage was not asked to keep the pixels');
  const { cols, rows } = image.display ?? image;
  const task: RenderTask['in'] = {
    pixels: image.pixels,
    ...(image.diagnostic ? { diagnostic: image.diagnostic } : {}),
    cols,
    rows,
    film: { cols: image.cols, rows: image.rows },
    meta: image.meta,
    release,
    cam: output.cam,
    camSize: output.camSize,
    inputSize: manifest.input.size,
    geometry: resizeGeometry(cols, rows, manifest.input, inferred.input.content),
    findings: evidenceFindings(manifest),
  };
  const { detectorError, ...released } = await pool.run('render', task, pixelBuffers(image));
  if (detectorError)
    log.error(
      { code: detectorError.code, err: detectorError.message },
      'text detection failed: pixels kept at the clinic',
    );
  return { ...spent, pixels: released };
}

export async function renderInWorker(
  task: RenderTask['in'],
  context: WorkerContext,
): Promise<WorkerResult<RenderTask['out']>> {
  const { cols, rows, release } = task;
  if (!context.detector) throw new Error('this pixel worker has no text detector (pixel policy none)');
  let detectorError: SerializedError | undefined;
  const film = { pixels: task.pixels, cols, rows, meta: task.meta, diagnostic: task.diagnostic };
  const found = await deidentifyPixels(film, context.detector, release.burnedIn, (error) => {
    const e = asCxrError(error);
    detectorError = { code: e.code, message: e.message, kind: e.kind };
  });
  const deid = inFilmCoordinates(found, { cols, rows }, task.film);
  const withheld = { output: { deid, ...(detectorError ? { detectorError } : {}) }, transfer: [] };
  if (deid.pixels === 'withheld') return withheld;
  const activation = activationMaps({ ...task, cam: task.cam, findings: task.findings });
  const preview = await renderPreview(task.pixels, cols, rows, previewSize(cols, rows, release.previewMaxSide));
  const samples = task.diagnostic;
  if (release.policy !== 'diagnostic' || !samples) return { output: { deid, preview, activation }, transfer: [] };
  const png = await renderDiagnostic(samples.samples, cols, rows, samples.bitsStored);
  const image = describeDiagnostic(png, samples, task);
  // The PNG is copied back (a fraction of the pixels' size): sharp's output buffers are not ours to move.
  return { output: { deid, preview, activation, diagnostic: { image, png } }, transfer: [] };
}

function describeDiagnostic(png: Uint8Array, samples: DiagnosticPixels, task: RenderTask['in']): DiagnosticImage {
  const spacing = task.meta.pixelSpacingMm;
  return {
    sha256: createHash('sha256').update(png).digest('hex'),
    sizeBytes: png.byteLength,
    mime: 'image/png',
    width: task.cols,
    height: task.rows,
    bitsStored: samples.bitsStored,
    slope: samples.slope,
    intercept: samples.intercept,
    window: { center: samples.window.center, width: Math.max(samples.window.width, 1e-6) },
    invert: samples.invert,
    ...(spacing ? { pixelSpacingMm: spacing, spacingSource: task.meta.spacingSource ?? 'PixelSpacing' } : {}),
  };
}

/** The report's boxes, found on pixels of size `pixels`, in the coordinates of the film they were reduced from. */
export function inFilmCoordinates(
  report: PixelDeidReport,
  pixels: { cols: number; rows: number },
  film: { cols: number; rows: number },
): PixelDeidReport {
  if (pixels.cols === film.cols && pixels.rows === film.rows) return report;
  const sx = film.cols / pixels.cols;
  const sy = film.rows / pixels.rows;
  const scale = (boxes: PixelDeidReport['masked']) => scaleBoxes(boxes, sx, sy, film.cols, film.rows);
  return { ...report, masked: scale(report.masked), keptMarkers: scale(report.keptMarkers) };
}
