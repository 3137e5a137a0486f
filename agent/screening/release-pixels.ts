/**
 * What of a scored film may leave the clinic, per the site's pixel policy (docs/viewing.md). Runs after
 * inference. In: the built result, the decoded film (its buffers are masked in place), the model output and
 * the policy. Out: the result with `deid`, and, unless the pixels stay home, the preview and activation maps
 * (attach-pixels.ts) and, for `diagnostic`, the lossless PNG's description plus the PNG itself, which the
 * caller queues (agent/store/pixel-queue.ts) before the outbox commit. The result never waits for the upload.
 * A text detector failure keeps the pixels home (logged with its code); nothing here throws for bad input.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { type BurnedInPolicy, deidentifyPixels } from '../../models/deid/deidentify-pixels.ts';
import type { TextDetector } from '../../models/deid/text-detector.ts';
import { asCxrError } from '../../models/errors.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import type { InputSpec } from '../../models/preprocess/input-spec.ts';
import type { ModelOutput } from '../../models/runtime/types.ts';
import type { DiagnosticImage, ResultMessage } from '../../protocol/messages.ts';
import { attachPixels } from './attach-pixels.ts';
import { renderDiagnostic } from './render-images.ts';

export type PixelPolicy = 'none' | 'preview' | 'diagnostic';

export interface PixelRelease {
  policy: PixelPolicy;
  previewMaxSide: number;
  burnedIn: BurnedInPolicy;
  detector: TextDetector;
}

export interface ReleasedPixels {
  result: ResultMessage;
  /** The lossless PNG to queue for upload (policy `diagnostic`, pixels not withheld). */
  diagnostic?: { image: DiagnosticImage; png: Buffer };
}

export async function releasePixels(
  result: ResultMessage,
  image: DecodedImage,
  output: ModelOutput,
  spec: InputSpec,
  release: PixelRelease,
  log: Logger,
  temperatures: Readonly<Record<string, number>> = {},
): Promise<ReleasedPixels> {
  const deid = await deidentifyPixels(image, release.detector, release.burnedIn, (error) => {
    const e = asCxrError(error);
    log.error({ code: e.code, err: e.message }, 'text detection failed: pixels kept at the clinic');
  });
  if (deid.pixels === 'withheld') return { result: { ...result, deid } };
  const withPreview = await attachPixels({ ...result, deid }, image, output, spec, release, temperatures);
  const samples = image.diagnostic;
  if (release.policy !== 'diagnostic' || !samples) return { result: withPreview };
  const png = await renderDiagnostic(samples.samples, image.cols, image.rows, samples.bitsStored);
  const spacing = image.meta.pixelSpacingMm;
  const described: DiagnosticImage = {
    sha256: createHash('sha256').update(png).digest('hex'),
    sizeBytes: png.byteLength,
    mime: 'image/png',
    width: image.cols,
    height: image.rows,
    bitsStored: samples.bitsStored,
    slope: samples.slope,
    intercept: samples.intercept,
    window: { center: samples.window.center, width: Math.max(samples.window.width, 1e-6) },
    invert: samples.invert,
    ...(spacing ? { pixelSpacingMm: spacing, spacingSource: image.meta.spacingSource ?? 'PixelSpacing' } : {}),
  };
  return { result: { ...withPreview, diagnostic: described }, diagnostic: { image: described, png } };
}
