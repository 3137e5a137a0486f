/**
 * Decoded integer samples → one stored value per pixel (PS3.5 §8, PS3.3 C.7.6.3.1).
 * In: the codec's integer samples and the header. Out: Float32Array, rows*cols, exact integers:
 * masked to Bits Stored below High Bit, sign-extended when Pixel Representation is 1; colour
 * (RGB, YBR) reduced to luminance.
 */
import type { DicomHeader } from './dicom-header.ts';

export type IntSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** What a codec returns: integer samples, planar ("R..G..B..") or interleaved ("RGBRGB..."). */
export interface CodecFrame {
  samples: IntSamples;
  samplesPerPixel: number;
  planar: boolean;
  /** The codec already converted YBR to RGB (sharp does). */
  rgb?: boolean;
}

/** YBR_FULL_422 (PS3.3 C.7.6.3.1.2): Y1 Y2 Cb Cr for each pair of pixels → Y Cb Cr for every pixel. */
function expand422(stored: IntSamples, pixels: number): CodecFrame {
  const out = stored instanceof Uint16Array ? new Uint16Array(pixels * 3) : new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const pair = 4 * (p >> 1);
    out[3 * p] = stored[pair + (p & 1)] ?? 0;
    out[3 * p + 1] = stored[pair + 2] ?? 0;
    out[3 * p + 2] = stored[pair + 3] ?? 0;
  }
  return { samples: out, samplesPerPixel: 3, planar: false };
}

/** Native (uncompressed) little/big endian bytes → integer samples of Bits Allocated width. */
export function unpackNative(bytes: Uint8Array, header: DicomHeader, bigEndian: boolean): CodecFrame {
  const pixels = header.rows * header.cols;
  if (header.photometric === 'YBR_FULL_422' && header.samplesPerPixel === 3) {
    const stored = unpackNative(bytes, { ...header, photometric: 'YBR_FULL', samplesPerPixel: 2 }, bigEndian);
    return expand422(stored.samples, pixels);
  }
  const count = pixels * header.samplesPerPixel;
  const planar = header.planarConfiguration === 1;
  const frame = { samplesPerPixel: header.samplesPerPixel, planar };
  if (header.bitsAllocated === 8) return { ...frame, samples: bytes.subarray(0, count) };
  if (header.bitsAllocated === 1) {
    const bits = new Uint8Array(count);
    for (let i = 0; i < count; i++) bits[i] = ((bytes[i >> 3] ?? 0) >> (i & 7)) & 1; // PS3.5 8.1.1: LSB first
    return { ...frame, samples: bits };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !bigEndian;
  if (header.bitsAllocated === 16) {
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, little);
    return { ...frame, samples: out };
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, little);
  return { ...frame, samples: out };
}

/** Mask to Bits Stored (after shifting out the bits below High Bit) and sign-extend. */
export function maskAndSignExtend(value: number, bitsStored: number, shift: number, signed: boolean): number {
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  const raw = bitsStored >= 32 ? value >>> 0 : (Math.floor((value >>> 0) / 2 ** shift) & mask) >>> 0;
  if (!signed) return raw;
  const signBit = 2 ** (bitsStored - 1);
  return raw >= signBit ? raw - 2 ** bitsStored : raw;
}

function luminanceAt(frame: CodecFrame, pixel: number, pixels: number, ybr: boolean): number {
  const { samples, planar } = frame;
  const r = planar ? (samples[pixel] ?? 0) : (samples[3 * pixel] ?? 0);
  if (ybr) return r; // YBR_*: the first sample is already luminance (PS3.3 C.7.6.3.1.2)
  const g = planar ? (samples[pixel + pixels] ?? 0) : (samples[3 * pixel + 1] ?? 0);
  const b = planar ? (samples[pixel + 2 * pixels] ?? 0) : (samples[3 * pixel + 2] ?? 0);
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

export function toStoredValues(frame: CodecFrame, header: DicomHeader): Float32Array {
  const pixels = header.rows * header.cols;
  const out = new Float32Array(pixels);
  const signed = header.pixelRepresentation === 1;
  const bitsStored = header.bitsStored;
  if (frame.samplesPerPixel >= 3) {
    const ybr = !frame.rgb && header.photometric.startsWith('YBR');
    for (let i = 0; i < pixels; i++) out[i] = luminanceAt(frame, i, pixels, ybr);
    return out;
  }
  const shift = Math.max(0, header.highBit + 1 - bitsStored);
  const samples = frame.samples;
  const full =
    (samples instanceof Uint8Array || samples instanceof Uint16Array) && bitsStored >= 8 * samples.BYTES_PER_ELEMENT;
  if (!signed && shift === 0 && full) {
    out.set(samples.subarray(0, pixels)); // every bit is stored: a native copy (8 → 32-bit float is exact)
    return out;
  }
  if (!signed && shift === 0 && bitsStored >= 8 && bitsStored < 32) {
    const mask = (1 << bitsStored) - 1;
    for (let i = 0; i < pixels; i++) out[i] = (samples[i] ?? 0) & mask; // fast path, the common case
    return out;
  }
  for (let i = 0; i < pixels; i++) out[i] = maskAndSignExtend(samples[i] ?? 0, bitsStored, shift, signed);
  return out;
}
