import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { decodeJpegSequential } from '../../../../../models/image/dicom/codecs/jpeg-sequential.ts';
import { DICOM, PNG_256, sample, sampleBytes } from '../../samples.ts';

function firstFragment(relative: string): Uint8Array {
  const bytes = sampleBytes(relative);
  const fragment = dicomParser.parseDicom(bytes).elements.x7fe00010?.fragments?.[0];
  assert.ok(fragment);
  return bytes.subarray(fragment.position, fragment.position + fragment.length);
}

describe('sequential DCT JPEG decoder', () => {
  it('agrees with libjpeg-turbo (sharp) within one grey level on an 8-bit chest film', async () => {
    const jpeg = firstFragment(DICOM.siimMono2);
    const mine = decodeJpegSequential(jpeg);
    const { data } = await sharp(jpeg).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs((mine.samples[i] ?? 0) - (data[i] ?? 0)));
    assert.ok(worst <= 1, `worst difference ${worst}`);
  });

  it('decodes a 12-bit JPEG Extended stream to 12-bit samples', () => {
    const decoded = decodeJpegSequential(firstFragment(DICOM.crJpegExtended));
    assert.equal(decoded.samples.length, 440 * 440);
    let max = 0;
    for (const v of decoded.samples) max = Math.max(max, v);
    assert.ok(max > 255 && max <= 4095, `max ${max}`);
  });

  it('decodes a 4:2:0 subsampled colour JPEG (interleaved MCUs)', async () => {
    const jpeg = await sharp(sample(PNG_256))
      .toColourspace('srgb')
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toBuffer();
    const decoded = decodeJpegSequential(jpeg);
    assert.equal(decoded.samplesPerPixel, 3);
    const { data } = await sharp(jpeg).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += Math.abs((decoded.samples[3 * i] ?? 0) - (data[i] ?? 0));
    assert.ok(sum / data.length < 2, `mean luminance difference ${sum / data.length}`);
  });

  it('rejects progressive JPEG and garbage with CXR_ERR_DECODE_FAILED', async () => {
    const progressive = await sharp(sample(PNG_256)).jpeg({ progressive: true }).toBuffer();
    assert.throws(() => decodeJpegSequential(progressive), { code: 'CXR_ERR_DECODE_FAILED' });
    assert.throws(() => decodeJpegSequential(Uint8Array.from([0xff, 0xd8, 1, 2, 3, 4])), {
      code: 'CXR_ERR_DECODE_FAILED',
    });
  });
});
