/**
 * The samples of a grey, non-interlaced PNG (8 or 16 bits — what the hub's diagnostic images are), inflated by the
 * browser's own zlib (DecompressionStream) rather than in JavaScript: the one step of opening a film that is
 * worth native code. Scanline filters (PNG 1.2 §6) are undone here; any other PNG goes to fast-png.
 * In: the file's bytes. Out: width, height and the samples (Uint8Array or Uint16Array, host order).
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

/** Undoes the scanline filters in place; returns the rows without their filter bytes. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)] as number;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x] as number;
      const left = x >= bpp ? (out[row + x - bpp] as number) : 0;
      const up = y > 0 ? (out[prev + x] as number) : 0;
      const upLeft = y > 0 && x >= bpp ? (out[prev + x - bpp] as number) : 0;
      out[row + x] =
        type === 0
          ? v
          : type === 1
            ? v + left
            : type === 2
              ? v + up
              : type === 3
                ? v + ((left + up) >> 1)
                : v + paeth(left, up, upLeft);
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
  const bpp = depth / 8;
  const rows = unfilter(await inflate(idat), height, width * bpp, bpp);
  if (depth === 8) return { width, height, data: rows };
  const samples = new Uint16Array(width * height);
  for (let i = 0; i < samples.length; i++) samples[i] = ((rows[2 * i] as number) << 8) | (rows[2 * i + 1] as number);
  return { width, height, data: samples };
}
