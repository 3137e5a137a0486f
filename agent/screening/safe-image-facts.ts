/**
 * The safe header data a result carries about its film (pure; docs/viewing.md): modality, projection,
 * portable, body part, 5-year age band, sex, acquisition as whole days before scoring, size and pixel spacing.
 * In: the decoded film's non-PHI meta and acquisition time, the scoring time. Out: the result's `image`
 * object. No direct identifier (name, ID, UID, date, institution) is read here: models/image keeps them apart.
 */
import type { DecodedImage } from '../../models/image/types.ts';
import { viewOfMeta } from '../../models/image/view-projection.ts';
import type { ResultMessage } from '../../protocol/messages.ts';

/** LAT, PA or AP when the film's tags say it (models/image/view-projection.ts), else nothing. */
function projectionOf(meta: DecodedImage['meta']): string | undefined {
  const view = viewOfMeta(meta);
  if (view.kind === 'lateral') return 'LAT';
  return view.kind === 'frontal' && (view.said === 'PA' || view.said === 'AP') ? view.said : undefined;
}

export function safeImageFacts(
  image: Pick<DecodedImage, 'format' | 'rows' | 'cols' | 'meta' | 'acquiredAt'>,
  scoredAt: Date,
): ResultMessage['image'] {
  const { meta } = image;
  const daysAgo = image.acquiredAt
    ? Math.floor((scoredAt.getTime() - image.acquiredAt.getTime()) / 86_400_000)
    : undefined;
  const projection = projectionOf(meta);
  return {
    format: image.format,
    ...(meta.modality ? { modality: meta.modality.slice(0, 16) } : {}),
    ...(meta.viewPosition ? { viewPosition: meta.viewPosition.slice(0, 16) } : {}),
    rows: image.rows,
    cols: image.cols,
    ...(meta.bodyPart ? { bodyPart: meta.bodyPart.slice(0, 16) } : {}),
    ...(projection ? { projection } : {}),
    ...(meta.portable ? { portable: true } : {}),
    ...(meta.ageBand ? { ageBand: meta.ageBand } : {}),
    ...(meta.sex ? { sex: meta.sex } : {}),
    ...(daysAgo !== undefined && daysAgo >= 0 ? { acquiredDaysAgo: daysAgo } : {}),
    ...(meta.pixelSpacingMm ? { pixelSpacingMm: meta.pixelSpacingMm, spacingSource: meta.spacingSource } : {}),
  };
}
