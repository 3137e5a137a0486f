/**
 * The film of one study as a Cornerstone3D image, cached under `cxr:<resultId>:<source>`: the diagnostic image
 * (GET /api/studies/:id/image — the lossless 8/16-bit grey PNG, fetched and decoded on a worker thread by
 * film-decoder.ts — and image-info: rescale, window, invert, pixel spacing) when the hub has it, else the 8-bit
 * de-identified preview. Stored values are rescaled to modality values
 * here (slope/intercept), so window levels are in the file's own units. Pixel spacing, when the file gave one,
 * makes lengths come out in mm; without it the image plane is marked as default values and lengths are in px.
 */
import { imageLoader, metaData, utilities } from '@cornerstonejs/core';
import { call } from '../../../api/http.ts';
import { decodeFilm } from './film-decoder.ts';
import type { PngSamples } from './png-samples.ts';

export interface DiagnosticInfo {
  width: number;
  height: number;
  bitsStored: number;
  slope: number;
  intercept: number;
  window: { center: number; width: number };
  invert: boolean;
  pixelSpacingMm?: number[];
  spacingSource?: string;
  stored: boolean;
}

export interface ImageInfoBody {
  resultId: string;
  header: Record<string, unknown> & { rows: number; cols: number; pixelSpacingMm?: number[] };
  diagnostic: DiagnosticInfo | null;
}

export interface FilmImage {
  imageId: string;
  source: 'diagnostic' | 'preview';
  width: number;
  height: number;
  bitsStored: number;
  range: { min: number; max: number };
  window: { center: number; width: number } | undefined;
  invert: boolean;
  /** [row, column] spacing in mm, when the file gave it. */
  spacingMm: [number, number] | undefined;
  spacingSource: string | undefined;
}

function rangeOf(values: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function cache(
  imageId: string,
  scalars: Uint8Array | Uint16Array | Float32Array,
  width: number,
  height: number,
  spacing?: [number, number],
) {
  const type =
    scalars instanceof Uint8Array ? 'Uint8Array' : scalars instanceof Uint16Array ? 'Uint16Array' : 'Float32Array';
  imageLoader.createAndCacheLocalImage(imageId, {
    scalarData: scalars,
    targetBuffer: { type },
    dimensions: [width, height],
    // Cornerstone's local image takes [column, row] spacing.
    spacing: spacing ? [spacing[1], spacing[0]] : [1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    frameOfReferenceUID: imageId,
  });
  // What a stack viewport asks the metadata for beyond the plane and pixel modules.
  utilities.genericMetadataProvider.add(imageId, { type: 'generalSeriesModule', metadata: { modality: 'DX' } });
  utilities.genericMetadataProvider.add(imageId, {
    type: 'modalityLutModule',
    metadata: { rescaleSlope: 1, rescaleIntercept: 0, rescaleType: 'US' },
  });
  if (!spacing) {
    // No (Imager)PixelSpacing: lengths are in pixels, and say so.
    const plane = metaData.get('imagePlaneModule', imageId) as Record<string, unknown>;
    utilities.genericMetadataProvider.add(imageId, {
      type: 'imagePlaneModule',
      metadata: { ...plane, usingDefaultValues: true },
    });
  }
}

function diagnosticImage(resultId: string, info: DiagnosticInfo, png: PngSamples): FilmImage {
  const imageId = `cxr:${resultId}:diagnostic`;
  const stored = png.data as Uint8Array | Uint16Array;
  const rescaled = info.slope === 1 && info.intercept === 0;
  const scalars = rescaled ? stored : Float32Array.from(stored, (v) => v * info.slope + info.intercept);
  const spacing =
    info.pixelSpacingMm && info.pixelSpacingMm.length === 2
      ? ([info.pixelSpacingMm[0], info.pixelSpacingMm[1]] as [number, number])
      : undefined;
  cache(imageId, scalars, png.width, png.height, spacing);
  return {
    imageId,
    source: 'diagnostic',
    width: png.width,
    height: png.height,
    bitsStored: info.bitsStored,
    range: rangeOf(scalars),
    window: info.window,
    invert: info.invert,
    spacingMm: spacing,
    spacingSource: info.spacingSource,
  };
}

async function previewImage(resultId: string, header: ImageInfoBody['header'] | null): Promise<FilmImage> {
  const imageId = `cxr:${resultId}:preview`;
  const response = await fetch(`/api/studies/${resultId}/preview`, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`preview: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob());
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const grey = new Uint8Array(bitmap.width * bitmap.height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4] as number;
  // The preview is the film scaled down: its spacing is the film's times the scale.
  const s = header?.pixelSpacingMm;
  const scale = header ? header.cols / bitmap.width : 1;
  const spacing =
    s && s.length === 2 ? ([(s[0] as number) * scale, (s[1] as number) * scale] as [number, number]) : undefined;
  cache(imageId, grey, bitmap.width, bitmap.height, spacing);
  return {
    imageId,
    source: 'preview',
    width: bitmap.width,
    height: bitmap.height,
    bitsStored: 8,
    range: { min: 0, max: 255 },
    window: { center: 127.5, width: 256 },
    invert: false,
    spacingMm: spacing,
    spacingSource: undefined,
  };
}

const making = new Map<string, Promise<FilmImage>>();

/**
 * The best film the hub has for this study, loaded once per page. The description and the lossless bytes are
 * asked for at once and the bytes decoded as soon as they arrive (used only when the description says the hub has
 * them; a diagnostic image that cannot be fetched or decoded falls back to the preview).
 */
export function filmImage(resultId: string): Promise<FilmImage> {
  const known = making.get(resultId);
  if (known) return known;
  // The lossless bytes are fetched and decoded on the decoder's worker while the description is on its way.
  const decoded = decodeFilm(`/api/studies/${resultId}/image`).catch(() => null);
  const image = (async () => {
    const info = await call<ImageInfoBody>('GET', `/api/studies/${resultId}/image-info`).catch(() => null);
    const png = info?.diagnostic?.stored === true ? await decoded : null;
    if (info?.diagnostic && png) return diagnosticImage(resultId, info.diagnostic, png);
    return previewImage(resultId, info?.header ?? null);
  })();
  making.set(resultId, image);
  image.catch(() => making.delete(resultId));
  return image;
}
