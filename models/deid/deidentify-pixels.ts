/**
 * Burned-in text never leaves the clinic (docs/viewing.md). In: a decoded film (display pixels and, when read,
 * its diagnostic samples), the text detector and the site's policy for DICOM Burned In Annotation = YES.
 * Out: PixelDeidReport — whether any pixels may leave, and the boxes masked (image coordinates, never text).
 * The film's buffers are masked IN PLACE, so every image rendered from them afterwards (preview, diagnostic)
 * carries the masks. Call it after inference: the model scores the film as acquired.
 *   - Burned In Annotation YES with policy `keep-home`: no pixels leave.
 *   - Burned In Annotation YES with policy `mask`: detected text is masked; when the detector finds none,
 *     the header is believed over the detector and no pixels leave.
 *   - The detector failing: no pixels leave (the result itself still goes).
 * Lone laterality markers ("L", "R") stay (laterality.ts).
 */
import type { DecodedImage } from '../image/types.ts';
import { maskRegions } from './mask-regions.ts';
import type { Box } from './text-boxes.ts';
import type { TextDetector } from './text-detector.ts';

export type BurnedInPolicy = 'mask' | 'keep-home';

export type WithheldReason = 'burned-in-annotation' | 'burned-in-undetected' | 'detector-failed';

export interface PixelDeidReport {
  burnedInAnnotation?: 'YES' | 'NO';
  pixels: 'sent' | 'withheld';
  reason?: WithheldReason;
  masked: Box[];
  keptMarkers: Box[];
  detector: string;
}

export async function deidentifyPixels(
  image: Pick<DecodedImage, 'pixels' | 'cols' | 'rows' | 'meta' | 'diagnostic'>,
  detector: TextDetector,
  policy: BurnedInPolicy,
  onError: (error: unknown) => void = () => {},
): Promise<PixelDeidReport> {
  const burned = image.meta.burnedInAnnotation;
  const base = { ...(burned ? { burnedInAnnotation: burned } : {}), detector: detector.name };
  const withheld = (reason: WithheldReason, masked: Box[] = [], keptMarkers: Box[] = []): PixelDeidReport => ({
    ...base,
    pixels: 'withheld',
    reason,
    masked,
    keptMarkers,
  });
  if (burned === 'YES' && policy === 'keep-home') return withheld('burned-in-annotation');
  let found: Awaited<ReturnType<TextDetector['detect']>>;
  try {
    found = await detector.detect(image.pixels, image.cols, image.rows);
  } catch (error) {
    onError(error);
    return withheld('detector-failed');
  }
  if (burned === 'YES' && found.boxes.length === 0) return withheld('burned-in-undetected', [], found.keptMarkers);
  maskRegions(image.pixels, image.cols, image.rows, found.boxes, 0);
  const diagnostic = image.diagnostic;
  if (diagnostic) {
    // The sample that displays as black: the lowest one, or the highest when the film is shown inverted.
    const fill = diagnostic.invert !== diagnostic.slope < 0 ? 2 ** diagnostic.bitsStored - 1 : 0;
    maskRegions(diagnostic.samples, image.cols, image.rows, found.boxes, fill);
  }
  return { ...base, pixels: 'sent', masked: found.boxes, keptMarkers: found.keptMarkers };
}
