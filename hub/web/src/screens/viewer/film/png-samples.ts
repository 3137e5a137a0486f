/**
 * The samples of a grey, non-interlaced PNG (8 or 16 bits — what the hub's diagnostic images are). Two ways in:
 * `samplesFromRows` takes the filtered rows already inflated (the hub's `image/scanlines`, which the browser
 * inflates natively as it downloads: the fast path), `pngSamples` a whole PNG file (inflated by the browser's own
 * zlib through DecompressionStream; any other kind of PNG goes to fast-png). Scanline filters (PNG 1.2 §6) are
 * undone here. Out: width, height and the samples (Uint8Array or Uint16Array, host order).
 */
import { decode } from 'fast-png';

export interface PngSamples {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

async function inflate(parts: Uint8Array[]): Promise<Uint8Array> {
  const stream = new Blob(parts as BlobPart[]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Undoes the scanline filters; returns the rows without their filter bytes. One loop per filter type (the type is
 * per row), so each inner loop is a few array reads and an add: ~5× faster than deciding the type per byte.
 */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)] as number;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    const line = raw.subarray(src, src + stride);
    if (type === 0) out.set(line, row);
    else if (type === 1) {
      for (let x = 0; x < stride; x++)
        out[row + x] = (line[x] as number) + (x >= bpp ? (out[row + x - bpp] as number) : 0);
    } else if (y === 0) {
      // No row above: Up adds 0, Average adds left/2, Paeth picks left.
      for (let x = 0; x < stride; x++) {
        const left = x >= bpp ? (out[row + x - bpp] as number) : 0;
        out[row + x] = (line[x] as number) + (type === 2 ? 0 : type === 3 ? left >> 1 : left);
      }
    } else if (type === 2) {
      for (let x = 0; x < stride; x++) out[row + x] = (line[x] as number) + (out[prev + x] as number);
    } else if (type === 3) {
      for (let x = 0; x < bpp; x++) out[row + x] = (line[x] as number) + ((out[prev + x] as number) >> 1);
      for (let x = bpp; x < stride; x++) {
        out[row + x] = (line[x] as number) + (((out[row + x - bpp] as number) + (out[prev + x] as number)) >> 1);
      }
    } else {
      for (let x = 0; x < bpp; x++) out[row + x] = (line[x] as number) + (out[prev + x] as number);
      for (let x = bpp; x < stride; x++) {
        out[row + x] =
          (line[x] as number) +
          paeth(out[row + x - bpp] as number, out[prev + x] as number, out[prev + x - bpp] as number);
      }
    }
  }
  return out;
}

export async function pngSamples(bytes: Uint8Array): Promise<PngSamples> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('not a PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colour = -1;
  let interlace = 0;
  const idat: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      depth = bytes[at + 16] as number;
      colour = bytes[at + 17] as number;
      interlace = bytes[at + 20] as number;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (colour !== 0 || interlace !== 0 || (depth !== 8 && depth !== 16) || typeof DecompressionStream === 'undefined') {
    const png = decode(bytes);
    return { width: png.width, height: png.height, data: png.data as Uint8Array | Uint16Array };
  }
  return samplesFromRows(await inflate(idat), width, height, depth as 8 | 16);
}

/** The samples from a PNG's inflated, filtered rows (each a filter byte, then the row). */
export function samplesFromRows(raw: Uint8Array, width: number, height: number, depth: 8 | 16): PngSamples {
  const bpp = depth / 8;
  if (raw.length !== height * (width * bpp + 1)) throw new Error('the rows do not match the image size');
  const rows = unfilter(raw, height, width * bpp, bpp);
  if (depth === 8) return { width, height, data: rows };
  const samples = new Uint16Array(width * height);
  for (let i = 0; i < samples.length; i++) samples[i] = ((rows[2 * i] as number) << 8) | (rows[2 * i + 1] as number);
  return { width, height, data: samples };
}
