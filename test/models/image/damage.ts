/**
 * Damage for tests (issue #17): overwrite or lose DAMAGED_BYTES bytes inside the compressed data of a real
 * file (the first Pixel Data fragment of a DICOM, or a whole JPEG/PNG), at a place chosen by a seed.
 */
import assert from 'node:assert/strict';
import dicomParser from 'dicom-parser';

/** mulberry32: deterministic randomness, passed in (STYLE.md rule 4). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DAMAGED_BYTES = 500;

/** Where the compressed data lies: the first fragment of a DICOM's Pixel Data, or the whole JPEG/PNG file. */
export function compressedRange(bytes: Uint8Array, dicom: boolean): { start: number; end: number } {
  if (!dicom) return { start: 0, end: bytes.length };
  const fragment = dicomParser.parseDicom(bytes).elements.x7fe00010?.fragments?.[0];
  assert.ok(fragment, 'encapsulated pixel data');
  return { start: fragment.position, end: fragment.position + fragment.length };
}

/** Overwrites DAMAGED_BYTES bytes somewhere in the middle 60 % of the compressed data. */
export function overwrite(bytes: Uint8Array, range: { start: number; end: number }, seed: number): Uint8Array {
  const next = random(seed);
  const out = Uint8Array.from(bytes);
  const span = range.end - range.start;
  const at = range.start + Math.floor(span * (0.2 + 0.6 * next()));
  for (let i = 0; i < DAMAGED_BYTES; i++) out[at + i] = Math.floor(next() * 256);
  return out;
}

/** Removes DAMAGED_BYTES bytes from the middle of the first fragment and fixes up the fragment's length. */
export function lose(bytes: Uint8Array, range: { start: number; end: number }, seed: number): Uint8Array {
  const at = range.start + Math.floor((range.end - range.start) * (0.2 + 0.6 * random(seed)()));
  const out = new Uint8Array(bytes.length - DAMAGED_BYTES);
  out.set(bytes.subarray(0, at), 0);
  out.set(bytes.subarray(at + DAMAGED_BYTES), at);
  const view = new DataView(out.buffer);
  view.setUint32(range.start - 4, range.end - range.start - DAMAGED_BYTES, true); // the item's length
  return out;
}
