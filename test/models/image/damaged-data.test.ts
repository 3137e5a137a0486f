/**
 * Damaged compressed data is never turned into a picture (issue #17): for every decoder, real sample files
 * get ~500 bytes of their compressed data overwritten with random bytes (six places each) and must be
 * refused with CXR_ERR_DECODE_FAILED, not decoded to a half-grey or shifted film. JPEG 2000 is the exception
 * the codec sets: OpenJPEG cannot tell overwritten code-block bytes from real ones (the MQ coder decodes any
 * bytes and the stream carries no checksum), so its case is 500 bytes lost, which it reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { readImage } from '../../../models/image/read-image.ts';
import { DICOM, PNG_1024, sample, sampleBytes } from './samples.ts';

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

const DAMAGED_BYTES = 500;
const SEEDS = [1, 2, 3, 4, 5, 6];

/** Where the compressed data lies: the first fragment of a DICOM's Pixel Data, or the whole JPEG/PNG file. */
function compressedRange(bytes: Uint8Array, dicom: boolean): { start: number; end: number } {
  if (!dicom) return { start: 0, end: bytes.length };
  const fragment = dicomParser.parseDicom(bytes).elements.x7fe00010?.fragments?.[0];
  assert.ok(fragment, 'encapsulated pixel data');
  return { start: fragment.position, end: fragment.position + fragment.length };
}

/** Overwrites DAMAGED_BYTES bytes somewhere in the middle 60 % of the compressed data. */
function overwrite(bytes: Uint8Array, range: { start: number; end: number }, seed: number): Uint8Array {
  const next = random(seed);
  const out = Uint8Array.from(bytes);
  const span = range.end - range.start;
  const at = range.start + Math.floor(span * (0.2 + 0.6 * next()));
  for (let i = 0; i < DAMAGED_BYTES; i++) out[at + i] = Math.floor(next() * 256);
  return out;
}

/** Removes DAMAGED_BYTES bytes from the middle of the first fragment and fixes up the fragment's length. */
function lose(bytes: Uint8Array, range: { start: number; end: number }, seed: number): Uint8Array {
  const at = range.start + Math.floor((range.end - range.start) * (0.2 + 0.6 * random(seed)()));
  const out = new Uint8Array(bytes.length - DAMAGED_BYTES);
  out.set(bytes.subarray(0, at), 0);
  out.set(bytes.subarray(at + DAMAGED_BYTES), at);
  const view = new DataView(out.buffer);
  view.setUint32(range.start - 4, range.end - range.start - DAMAGED_BYTES, true); // the item's length
  return out;
}

async function assertRefused(bytes: Uint8Array, what: string): Promise<void> {
  await assert.rejects(readImage(bytes), (thrown: { code?: string; message?: string }) => {
    assert.equal(thrown.code, 'CXR_ERR_DECODE_FAILED', `${what}: ${thrown.code} ${thrown.message}`);
    return true;
  });
}

const CASES: { decoder: string; file: string }[] = [
  { decoder: 'JPEG Baseline 4.50 (libjpeg-turbo in sharp)', file: DICOM.nihJpegBaseline },
  { decoder: 'JPEG Baseline 4.50, MONOCHROME1 (libjpeg-turbo in sharp)', file: DICOM.siimMono1 },
  { decoder: 'JPEG Extended 12-bit 4.51 (ours)', file: DICOM.crJpegExtended },
  { decoder: 'JPEG Lossless SV1 4.70 (jpeg-lossless-decoder-js)', file: DICOM.nihJpegLossless },
  { decoder: 'JPEG Lossless SV1 4.70, 10-bit (jpeg-lossless-decoder-js)', file: DICOM.dental },
  { decoder: 'JPEG-LS 4.80 (CharLS)', file: DICOM.nihJpegLs },
  { decoder: 'RLE 1.2.5 (ours)', file: DICOM.nihRle },
];

describe('damaged compressed data is refused with CXR_ERR_DECODE_FAILED', () => {
  for (const { decoder, file } of CASES) {
    it(`${decoder}: ${DAMAGED_BYTES} bytes overwritten, in ${SEEDS.length} places`, async () => {
      const bytes = sampleBytes(file);
      await readImage(bytes); // the intact file reads
      const range = compressedRange(bytes, true);
      for (const seed of SEEDS) await assertRefused(overwrite(bytes, range, seed), `${file} seed ${seed}`);
    });
  }

  it(`JPEG 2000 4.90 (OpenJPEG): ${DAMAGED_BYTES} bytes lost, in ${SEEDS.length} places`, async () => {
    const bytes = sampleBytes(DICOM.nihJ2k);
    await readImage(bytes);
    const range = compressedRange(bytes, true);
    for (const seed of SEEDS) await assertRefused(lose(bytes, range, seed), `${DICOM.nihJ2k} seed ${seed}`);
  });

  it(`a plain JPEG file (sharp): ${DAMAGED_BYTES} bytes overwritten, in ${SEEDS.length} places`, async () => {
    const jpeg = new Uint8Array(await sharp(sample(PNG_1024)).jpeg({ quality: 90 }).toBuffer());
    await readImage(jpeg);
    for (const seed of SEEDS) await assertRefused(overwrite(jpeg, compressedRange(jpeg, false), seed), `JPEG ${seed}`);
  });

  it(`a plain PNG file (sharp): ${DAMAGED_BYTES} bytes overwritten, in ${SEEDS.length} places`, async () => {
    const png = sampleBytes(PNG_1024);
    for (const seed of SEEDS) await assertRefused(overwrite(png, compressedRange(png, false), seed), `PNG ${seed}`);
  });
});
