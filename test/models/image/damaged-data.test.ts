/**
 * Damaged compressed data is never turned into a picture (issue #17): for every decoder, real sample files
 * get ~500 bytes of their compressed data overwritten with random bytes (six places each) and must be
 * refused with CXR_ERR_DECODE_FAILED, not decoded to a half-grey or shifted film. JPEG 2000 is the exception
 * the codec sets: OpenJPEG cannot tell overwritten code-block bytes from real ones (the MQ coder decodes any
 * bytes and the stream carries no checksum), so its case is 500 bytes lost, which it reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readImage } from '../../../models/image/read-image.ts';
import { compressedRange, DAMAGED_BYTES, lose, overwrite } from './damage.ts';
import { DICOM, PNG_1024, sample, sampleBytes } from './samples.ts';

const SEEDS = [1, 2, 3, 4, 5, 6];

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
