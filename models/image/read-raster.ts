/**
 * PNG/JPEG reader stage (sharp/libvips): bytes → DecodedImage.
 * 8/16-bit grey or RGB(A); colour is reduced to Rec. 601 luminance; values scaled by the format maximum
 * (no windowing: these files are already display-ready). Dimensions are checked before decoding.
 * Corrupt data that libjpeg/libpng report only as a warning is refused too (failOn 'warning'), never scored;
 * a sequential JPEG's blocks are also entropy-decoded strictly first (checkSequentialJpeg).
 * Bad input: CXR_ERR_IMAGE_TOO_LARGE, CXR_ERR_DECODE_FAILED.
 */

import sharp, { type Metadata } from 'sharp';
import { type ChestPolicy, checkChest } from './chest-check.ts';
import { checkSequentialJpeg } from './dicom/codecs/jpeg-dct.ts';
import { imageError } from './image-errors.ts';
import { type ColourStats, colourStats } from './image-stats.ts';
import type { DecodedImage, DiagnosticPixels } from './types.ts';

export interface RasterReadOptions {
  maxPixels: number;
  chestPolicy: ChestPolicy;
  diagnostic?: boolean;
}

function toGrey(data: Uint8Array | Uint16Array, channels: number, pixels: number, top: number): Float32Array {
  const out = new Float32Array(pixels);
  if (channels === 1) {
    for (let i = 0; i < pixels; i++) out[i] = (data[i] ?? 0) / top;
    return out;
  }
  const scale = 1 / top;
  for (let i = 0; i < pixels; i++) {
    const at = i * channels;
    out[i] = (0.299 * (data[at] ?? 0) + 0.587 * (data[at + 1] ?? 0) + 0.114 * (data[at + 2] ?? 0)) * scale;
  }
  return out;
}

/** A display-ready raster's own samples (grey) or its rounded luminance (colour), full range as the window. */
function rasterDiagnostic(
  pixels: Float32Array,
  samples: Uint8Array | Uint16Array,
  channels: number,
  bits: number,
): DiagnosticPixels {
  const top = 2 ** bits - 1;
  const out = new Uint16Array(pixels.length);
  if (channels === 1) out.set(samples.subarray(0, pixels.length));
  else for (let i = 0; i < out.length; i++) out[i] = Math.round((pixels[i] ?? 0) * top);
  return {
    samples: out,
    bitsStored: bits,
    slope: 1,
    intercept: 0,
    window: { center: top / 2, width: top },
    invert: false,
  };
}

export async function readRaster(
  bytes: Uint8Array,
  format: 'png' | 'jpeg',
  options: RasterReadOptions,
): Promise<DecodedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (thrown) {
    throw imageError('CXR_ERR_DECODE_FAILED', `the ${format} header could not be read (${String(thrown)})`, thrown);
  }
  const cols = meta.width ?? 0;
  const rows = meta.height ?? 0;
  const channels = meta.channels ?? 1;
  if (rows * cols * Math.min(channels, 3) > options.maxPixels) {
    throw imageError(
      'CXR_ERR_IMAGE_TOO_LARGE',
      `${cols}x${rows}x${channels} samples exceed the limit of ${options.maxPixels}`,
    );
  }
  const sixteen = meta.depth === 'ushort';
  const colour = channels >= 3;
  let pixels: Float32Array;
  let colourFacts: ColourStats | undefined;
  let diagnostic: DiagnosticPixels | undefined;
  if (format === 'jpeg') checkSequentialJpeg(bytes);
  try {
    let pipeline = sharp(bytes, { failOn: 'warning', limitInputPixels: false });
    // grey16 keeps 16 bits; plain greyscale would quietly drop to 8. b-w keeps one channel for grey JPEGs.
    if (colour) pipeline = pipeline.removeAlpha().toColourspace(sixteen ? 'rgb16' : 'srgb');
    else pipeline = pipeline.toColourspace(sixteen ? 'grey16' : 'b-w');
    const { data, info } = await pipeline.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const samples = sixteen
      ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.length);
    pixels = toGrey(samples, info.channels, rows * cols, sixteen ? 65535 : 255);
    if (info.channels >= 3) colourFacts = colourStats(samples, info.channels, rows * cols, sixteen ? 65535 : 255);
    if (options.diagnostic) diagnostic = rasterDiagnostic(pixels, samples, info.channels, sixteen ? 16 : 8);
  } catch (thrown) {
    throw imageError('CXR_ERR_DECODE_FAILED', `the ${format} image could not be decoded (${String(thrown)})`, thrown);
  }
  const verdict = checkChest({ format }, options.chestPolicy);
  return {
    format,
    rows,
    cols,
    pixels,
    meta: {
      photometric: colour ? 'RGB' : 'MONOCHROME2',
      bitsStored: sixteen ? 16 : 8,
      ...(colourFacts ? { chroma: colourFacts.chroma, colourResidual: colourFacts.residual } : {}),
    },
    identifiers: {},
    ...(diagnostic ? { diagnostic } : {}),
    isChest: verdict.isChest,
    ...(verdict.isChest ? {} : { notChestReason: verdict.reason }),
  };
}
