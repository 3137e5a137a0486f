import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readImage, readImageFile } from '../../../models/image/read-image.ts';
import type { DecodedImage } from '../../../models/image/types.ts';
import { DICOM, meanAbsDiff, PNG_256, PNG_1024, sample, sampleBytes } from './samples.ts';

const cache = new Map<string, Promise<DecodedImage>>();
/** Each sample is decoded once per run; tests only read the result. */
function read(relative: string): Promise<DecodedImage> {
  let image = cache.get(relative);
  if (!image) {
    image = readImageFile(sample(relative));
    cache.set(relative, image);
  }
  return image;
}

function assertUnitRange(image: DecodedImage): void {
  let min = 1;
  let max = 0;
  for (const v of image.pixels) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= 0 && max <= 1, `pixels in [0,1], got [${min}, ${max}]`);
  assert.ok(max - min > 0.5, 'a real radiograph spans most of the range');
}

describe('readImage on the sample DICOM files', () => {
  const losslessNih = [DICOM.nihExplicit, DICOM.nihJ2k, DICOM.nihJpegLossless, DICOM.nihJpegLs, DICOM.nihRle];
  for (const file of losslessNih) {
    it(`decodes ${file.split('/').pop()} to exactly the pixels of its implicit-LE source`, async () => {
      const [source, transcode] = await Promise.all([read(DICOM.nihImplicit), read(file)]);
      assert.equal(transcode.rows, 1024);
      assert.equal(transcode.cols, 1024);
      assert.deepEqual(transcode.pixels, source.pixels);
      assertUnitRange(transcode);
    });
  }

  it('reads a preamble-less, meta-less CR file and its Part 10 explicit-LE transcode identically', async () => {
    const [raw, part10] = await Promise.all([read(DICOM.crRaw), read(DICOM.crExplicit)]);
    assert.equal(raw.meta.transferSyntax, '1.2.840.10008.1.2');
    assert.equal(part10.meta.transferSyntax, '1.2.840.10008.1.2.1');
    assert.deepEqual(part10.pixels, raw.pixels);
    assert.equal(raw.meta.bitsStored, 10);
  });

  it('keeps the 12-bit depth of JPEG Extended (4.51) and stays close to the 10-bit source', async () => {
    const [source, extended] = await Promise.all([read(DICOM.crRaw), read(DICOM.crJpegExtended)]);
    assert.equal(extended.meta.bitsStored, 12);
    assert.equal(extended.meta.transferSyntax, '1.2.840.10008.1.2.4.51');
    assert.ok(meanAbsDiff(extended.pixels, source.pixels) < 0.005);
  });

  it('decodes lossy JPEG Baseline (4.50) close to its source', async () => {
    const [source, lossy] = await Promise.all([read(DICOM.nihImplicit), read(DICOM.nihJpegBaseline)]);
    const diff = meanAbsDiff(lossy.pixels, source.pixels);
    assert.ok(diff > 0 && diff < 0.01, `mean abs diff ${diff}`);
  });

  it('inverts MONOCHROME1 against its MONOCHROME2 twin (1 = dense either way)', async () => {
    const [mono2, mono1] = await Promise.all([read(DICOM.siimMono2), read(DICOM.siimMono1)]);
    assert.equal(mono1.meta.photometric, 'MONOCHROME1');
    for (let i = 0; i < mono2.pixels.length; i += 997) {
      assert.ok(Math.abs((mono1.pixels[i] ?? 0) - (1 - (mono2.pixels[i] ?? 0))) < 1e-6, `pixel ${i}`);
    }
  });

  it('renders the MONOCHROME1 CR chest with dense lungs darker than the mediastinum (inverted correctly)', async () => {
    const image = await read(DICOM.crRaw);
    const at = (fx: number, fy: number): number =>
      image.pixels[Math.floor(fy * image.rows) * image.cols + Math.floor(fx * image.cols)] ?? 0;
    // Lungs (air, low density) must be darker than the spine/heart in the middle.
    assert.ok(at(0.3, 0.45) < at(0.5, 0.6), `lung ${at(0.3, 0.45)} vs mediastinum ${at(0.5, 0.6)}`);
  });

  it('applies the Modality LUT Sequence of the dental CR and flags it as not chest', async () => {
    const image = await read(DICOM.dental);
    assert.equal(image.isChest, false);
    assert.match(image.notChestReason ?? '', /TEETH/);
    assertUnitRange(image);
  });

  it('flags the abdomen OT secondary capture as not chest', async () => {
    const image = await read(DICOM.abdomen);
    assert.equal(image.isChest, false);
    assert.match(image.notChestReason ?? '', /modality OT/);
  });

  it('reads chest tags and keeps identifiers apart from the non-PHI meta', async () => {
    const image = await read(DICOM.siimMono2);
    assert.equal(image.isChest, true);
    assert.deepEqual(
      { modality: image.meta.modality, bodyPart: image.meta.bodyPart, view: image.meta.viewPosition },
      { modality: 'CR', bodyPart: 'CHEST', view: 'PA' },
    );
    assert.ok(image.identifiers.studyInstanceUid?.startsWith('1.2.'));
    assert.ok(image.identifiers.sopInstanceUid?.startsWith('1.2.'));
    const metaText = JSON.stringify(image.meta);
    for (const id of Object.values(image.identifiers)) if (id) assert.ok(!metaText.includes(id));
  });
});

describe('readImage on PNG and JPEG', () => {
  it('reads an 8-bit grey PNG as pixel/255', async () => {
    const bytes = sampleBytes(PNG_256);
    const image = await readImage(bytes);
    const { data } = await sharp(bytes).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    assert.equal(image.format, 'png');
    assert.equal(image.meta.bitsStored, 8);
    assert.ok(image.isChest);
    for (let i = 0; i < data.length; i += 101) assert.equal(image.pixels[i], Math.fround((data[i] ?? 0) / 255));
  });

  it('keeps 16 bits of a 16-bit grey PNG', async () => {
    const values = new Uint16Array(64 * 32).map((_, i) => i * 31);
    const png = await sharp(values, { raw: { width: 64, height: 32, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const image = await readImage(png);
    assert.equal(image.meta.bitsStored, 16);
    assert.equal(Math.round((image.pixels[100] ?? 0) * 65535), 3100);
  });

  it('reduces a 16-bit RGB PNG to luminance', async () => {
    const rgb = new Uint16Array(16 * 16 * 3);
    for (let i = 0; i < 256; i++) rgb.set([1000, 2000, 3000], 3 * i);
    const png = await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const image = await readImage(png);
    assert.equal(Math.round((image.pixels[0] ?? 0) * 65535), 1815); // 0.299·1000 + 0.587·2000 + 0.114·3000
  });

  it('reads grey and RGB JPEGs made from a real radiograph close to the PNG', async () => {
    const png = await readImage(sampleBytes(PNG_256));
    const grey = await sharp(sample(PNG_256)).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
    const colour = await sharp(sample(PNG_256)).toColourspace('srgb').jpeg({ quality: 95 }).toBuffer();
    for (const jpeg of [grey, colour]) {
      const image = await readImage(jpeg);
      assert.equal(image.format, 'jpeg');
      assert.ok(meanAbsDiff(image.pixels, png.pixels) < 0.01);
    }
  });

  it('reads a 1024² PNG', async () => {
    const image = await read(PNG_1024);
    assert.equal(image.rows * image.cols, 1024 * 1024);
    assertUnitRange(image);
  });

  it('tells the format from the bytes: a PNG named .dcm reads as PNG, a DICOM named .png as DICOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-read-'));
    copyFileSync(sample(PNG_256), join(dir, 'image.dcm'));
    copyFileSync(sample(DICOM.nihRle), join(dir, 'image.png'));
    assert.equal((await readImageFile(join(dir, 'image.dcm'))).format, 'png');
    assert.equal((await readImageFile(join(dir, 'image.png'))).format, 'dicom');
    writeFileSync(join(dir, 'notes.dcm'), 'Patient notes, not an image\n');
    await assert.rejects(readImageFile(join(dir, 'notes.dcm')), { code: 'CXR_ERR_NOT_AN_IMAGE', kind: 'input' });
  });
});
