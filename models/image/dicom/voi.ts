/**
 * Stored values → display values in [0, 1], 1 = dense (pure functions).
 * Order (PS3.4 N.2, grayscale pipeline): Modality LUT (sequence, else rescale slope/intercept) →
 * VOI (VOI LUT Sequence, else Window Center/Width with VOI LUT Function, else a robust percentile
 * window) → polarity (MONOCHROME1 or Presentation LUT Shape INVERSE: inverted).
 */
import type { DicomHeader, LookupTable } from './dicom-header.ts';

export interface Window {
  center: number;
  width: number;
}

/** PS3.3 C.11.2.1.2.1 LINEAR (width ≥ 1), output in [0, 1]. */
export function windowLinear(x: number, { center, width }: Window): number {
  const w = Math.max(width, 1);
  if (x <= center - 0.5 - (w - 1) / 2) return 0;
  if (x > center - 0.5 + (w - 1) / 2) return 1;
  return w === 1 ? 1 : (x - (center - 0.5)) / (w - 1) + 0.5;
}

/** PS3.3 C.11.2.1.3.2 LINEAR_EXACT (width > 0), output in [0, 1]. */
export function windowLinearExact(x: number, { center, width }: Window): number {
  if (x <= center - width / 2) return 0;
  if (x > center + width / 2) return 1;
  return (x - center) / width + 0.5;
}

/** PS3.3 C.11.2.1.3.1 SIGMOID, output in (0, 1). */
export function windowSigmoid(x: number, { center, width }: Window): number {
  return 1 / (1 + Math.exp((-4 * (x - center)) / width));
}

/** A LUT lookup: clamps below the first mapped value and above the last entry (PS3.3 C.11.1.1). */
export function applyLut(x: number, lut: LookupTable): number {
  const index = Math.round(x) - lut.firstMapped;
  const last = lut.data.length - 1;
  return lut.data[index < 0 ? 0 : Math.min(index, last)] ?? 0;
}

/**
 * The window between the lo and hi quantiles (default 0.5 % – 99.5 %), from a 4096-bin histogram.
 * `exclude` (the Pixel Padding Value after the modality LUT) is left out: padding is not anatomy.
 */
export function percentileWindow(values: Float32Array, lo = 0.005, hi = 0.995, exclude?: number): Window {
  const skip = exclude === undefined ? Number.NaN : Math.fround(exclude);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v === skip) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) return { center: skip, width: 1 };
  if (!(max > min)) return { center: min, width: 1 };
  const bins = 4096;
  const histogram = new Uint32Array(bins);
  const scale = (bins - 1) / (max - min);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v === skip) continue;
    const bin = Math.round((v - min) * scale);
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
  const quantile = (q: number): number => {
    const target = q * count;
    let seen = 0;
    for (let b = 0; b < bins; b++) {
      seen += histogram[b] ?? 0;
      if (seen >= target) return min + b / scale;
    }
    return max;
  };
  const low = quantile(lo);
  const high = Math.max(quantile(hi), low + 1e-6);
  return { center: (low + high) / 2, width: high - low };
}

/** Whether display must be inverted so that 1 = dense (PS3.3 C.7.6.3.1.2, C.8.11.6.1.2). */
export function isInverted(header: Pick<DicomHeader, 'photometric' | 'presentationLutShape'>): boolean {
  return header.photometric === 'MONOCHROME1' || header.presentationLutShape === 'INVERSE';
}

export type VoiHeader = Pick<
  DicomHeader,
  | 'rescaleSlope'
  | 'rescaleIntercept'
  | 'modalityLut'
  | 'voiLut'
  | 'windowCenter'
  | 'windowWidth'
  | 'voiLutFunction'
  | 'photometric'
  | 'presentationLutShape'
  | 'bitsStored'
  | 'pixelRepresentation'
  | 'pixelPaddingValue'
>;

/** Applies the Modality LUT in place (sequence if present, else slope/intercept). */
export function applyModalityLut(values: Float32Array, header: VoiHeader): Float32Array {
  const { modalityLut, rescaleSlope, rescaleIntercept } = header;
  if (modalityLut) {
    for (let i = 0; i < values.length; i++) values[i] = applyLut(values[i] ?? 0, modalityLut);
  } else if (rescaleSlope !== 1 || rescaleIntercept !== 0) {
    for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) * rescaleSlope + rescaleIntercept;
  }
  return values;
}

/**
 * The window the VOI stage uses when there is no VOI LUT Sequence: the file's Window Center/Width; else,
 * for unsigned data of at most 8 bits with no modality transform (secondary captures of display-ready
 * images, like the NIH PNGs), the full range, so that such a DICOM reads exactly like the same PNG;
 * else a robust percentile window.
 */
export function chooseWindow(values: Float32Array, header: VoiHeader): Window {
  if (header.windowCenter !== undefined && header.windowWidth !== undefined) {
    return { center: header.windowCenter, width: header.windowWidth };
  }
  const identityModality = !header.modalityLut && header.rescaleSlope === 1 && header.rescaleIntercept === 0;
  if (identityModality && header.bitsStored <= 8 && header.pixelRepresentation === 0) {
    const top = 2 ** header.bitsStored - 1;
    return { center: top / 2, width: top };
  }
  const padding = header.pixelPaddingValue;
  if (padding === undefined) return percentileWindow(values);
  const paddingOut = header.modalityLut
    ? applyLut(padding, header.modalityLut)
    : padding * header.rescaleSlope + header.rescaleIntercept;
  return percentileWindow(values, 0.005, 0.995, paddingOut);
}

/**
 * Modality-LUT output → [0, 1] display values, in place. One loop per VOI function with the window's constants
 * taken out of it (the same arithmetic as windowLinear / windowLinearExact / windowSigmoid, so the same values):
 * this pass touches every pixel of every film, and a call per pixel through a chosen function cost 3–4× more.
 */
export function applyVoi(values: Float32Array, header: VoiHeader): Float32Array {
  const invert = isInverted(header);
  const n = values.length;
  const lut = header.voiLut;
  if (lut) {
    const top = 2 ** lut.bitsPerEntry - 1;
    for (let i = 0; i < n; i++) {
      const y = Math.min(applyLut(values[i] as number, lut) / top, 1);
      values[i] = invert ? 1 - y : y;
    }
    return values;
  }
  const fromTags = header.windowCenter !== undefined && header.windowWidth !== undefined;
  const { center, width } = chooseWindow(values, header);
  if (header.voiLutFunction === 'SIGMOID' && fromTags) {
    for (let i = 0; i < n; i++) {
      const y = 1 / (1 + Math.exp((-4 * ((values[i] as number) - center)) / width));
      values[i] = invert ? 1 - y : y;
    }
    return values;
  }
  // A window we chose maps its ends exactly to 0 and 1, hence LINEAR_EXACT.
  if (header.voiLutFunction === 'LINEAR_EXACT' || !fromTags || width < 1) {
    const low = center - width / 2;
    const high = center + width / 2;
    for (let i = 0; i < n; i++) {
      const x = values[i] as number;
      const y = x <= low ? 0 : x > high ? 1 : (x - center) / width + 0.5;
      values[i] = invert ? 1 - y : y;
    }
    return values;
  }
  const w = Math.max(width, 1);
  const origin = center - 0.5;
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    const y = x <= low ? 0 : x > high ? 1 : w === 1 ? 1 : (x - origin) / (w - 1) + 0.5;
    values[i] = invert ? 1 - y : y;
  }
  return values;
}

/** Stored values → [0, 1], 1 = dense. Mutates and returns `stored`. */
export function renderGrey(stored: Float32Array, header: VoiHeader): Float32Array {
  return applyVoi(applyModalityLut(stored, header), header);
}
