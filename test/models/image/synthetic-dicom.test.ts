/**
 * DICOM variants the sample files lack, built around real pixels (the 256² NIH sample): 12-bit signed data with
 * junk high bits, VOI LUT Sequence + Presentation LUT Shape, JPEG-LS near-lossless (4.81), lossy JPEG 2000 (4.91)
 * and a frame split over several fragments with an empty Basic Offset Table.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { readImage } from '../../../models/image/read-image.ts';
import { greyImageElements, writeDicom } from './dicom-writer.ts';
import { DICOM, meanAbsDiff, PNG_256, sample, sampleBytes } from './samples.ts';

const require = createRequire(import.meta.url);
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const SIZE = 256;

interface Encoder {
  getDecodedBuffer(info: object): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setNearLossless?(near: number): void;
  setCompressionRatio?(layer: number, ratio: number): void;
  delete(): void;
}
type EncoderModule = { JpegLSEncoder?: new () => Encoder; J2KEncoder?: new () => Encoder };

let grey: Uint8Array; // real 8-bit pixels of the sample radiograph
let twelveBit: Uint16Array; // the same scaled to 12 bits (0..4080)

function le16(values: Uint16Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(2 * i, v, true);
  });
  return out;
}

async function encode(module: string, configure: (e: Encoder) => void): Promise<Uint8Array> {
  const codecs = (await require(module)({ print() {}, printErr() {} })) as EncoderModule;
  const Encoder = codecs.JpegLSEncoder ?? codecs.J2KEncoder;
  assert.ok(Encoder);
  const encoder = new Encoder();
  const info = {
    width: SIZE,
    height: SIZE,
    bitsPerSample: 12,
    componentCount: 1,
    isSigned: false,
    isUsingColorTransform: false,
  };
  encoder.getDecodedBuffer(info).set(le16(twelveBit));
  configure(encoder);
  encoder.encode();
  const out = encoder.getEncodedBuffer().slice();
  encoder.delete();
  return out;
}

const twelveBitElements = (extra: [number, string, string][] = []) =>
  greyImageElements({ rows: SIZE, cols: SIZE, bitsAllocated: 16, bitsStored: 12, signed: false, extra });

describe('synthetic DICOM variants around real pixels', () => {
  before(async () => {
    const { data } = await sharp(sample(PNG_256)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    grey = Uint8Array.from(data);
    twelveBit = Uint16Array.from(grey, (p) => p * 16);
  });

  it('masks junk above Bits Stored, sign-extends 12-bit signed data and applies LINEAR_EXACT', async () => {
    // v = 16p - 2048 stored in 12 bits two's complement, with 1010 in the 4 unused high bits.
    const raw = Uint16Array.from(grey, (p) => ((p * 16 - 2048) & 0x0fff) | 0xa000);
    const elements = greyImageElements({
      rows: SIZE,
      cols: SIZE,
      bitsAllocated: 16,
      bitsStored: 12,
      signed: true,
      extra: [
        [0x00281050, 'DS', '0'],
        [0x00281051, 'DS', '4096'],
        [0x00281056, 'CS', 'LINEAR_EXACT'],
      ],
    });
    const image = await readImage(writeDicom(EXPLICIT_LE, elements, le16(raw)));
    assert.equal(image.meta.bitsStored, 12);
    // (v - 0) / 4096 + 0.5 = p / 256
    for (let i = 0; i < grey.length; i += 37) assert.equal(image.pixels[i], Math.fround((grey[i] ?? 0) / 256));
  });

  it('applies a VOI LUT Sequence over the window, then Presentation LUT Shape INVERSE', async () => {
    const reversed = Array.from({ length: 256 }, (_, x) => 255 - x);
    const elements = greyImageElements({
      rows: SIZE,
      cols: SIZE,
      bitsAllocated: 8,
      bitsStored: 8,
      signed: false,
      extra: [
        [0x00281050, 'DS', '10'],
        [0x00281051, 'DS', '1'],
        [0x20500020, 'CS', 'INVERSE'],
      ],
    });
    elements.push([
      0x00283010,
      'SQ',
      [
        {
          elements: [
            [0x00283002, 'US', [256, 0, 8]],
            [0x00283006, 'OW', reversed],
          ],
        },
      ],
    ]);
    const image = await readImage(writeDicom(EXPLICIT_LE, elements, grey));
    // LUT gives (255 - p) / 255, INVERSE turns it back into p / 255; the window (a threshold) is ignored.
    for (let i = 0; i < grey.length; i += 37) {
      assert.ok(Math.abs((image.pixels[i] ?? 0) - (grey[i] ?? 0) / 255) < 1e-6, `pixel ${i}`);
    }
  });

  it('decodes JPEG-LS near-lossless (4.81) within its NEAR bound of the native pixels', async () => {
    const window: [number, string, string][] = [
      [0x00281050, 'DS', '2048'],
      [0x00281051, 'DS', '4096'],
      [0x00281056, 'CS', 'LINEAR_EXACT'],
    ];
    const native = await readImage(writeDicom(EXPLICIT_LE, twelveBitElements(window), le16(twelveBit)));
    const near = 3;
    const stream = await encode('@cornerstonejs/codec-charls/wasmjs', (e) => e.setNearLossless?.(near));
    const image = await readImage(writeDicom('1.2.840.10008.1.2.4.81', twelveBitElements(window), [stream]));
    let worst = 0;
    for (let i = 0; i < grey.length; i++)
      worst = Math.max(worst, Math.abs((image.pixels[i] ?? 0) - (native.pixels[i] ?? 0)));
    assert.ok(worst <= near / 4096 + 1e-6, `worst ${worst * 4096} levels`);
    assert.ok(worst > 0, 'near-lossless really was lossy');
  });

  it('decodes lossy JPEG 2000 (4.91) close to the native pixels', async () => {
    const window: [number, string, string][] = [
      [0x00281050, 'DS', '2048'],
      [0x00281051, 'DS', '4096'],
    ];
    const native = await readImage(writeDicom(EXPLICIT_LE, twelveBitElements(window), le16(twelveBit)));
    const stream = await encode('@cornerstonejs/codec-openjpeg/wasmjs', (e) => e.setCompressionRatio?.(0, 8));
    const image = await readImage(writeDicom('1.2.840.10008.1.2.4.91', twelveBitElements(window), [stream]));
    const diff = meanAbsDiff(image.pixels, native.pixels);
    assert.ok(diff < 0.01, `mean abs diff ${diff}`);
  });

  it('concatenates all fragments of a frame when the Basic Offset Table is empty', async () => {
    const source = sampleBytes(DICOM.nihJpegLs);
    const fragment = dicomParser.parseDicom(source).elements.x7fe00010?.fragments?.[0];
    assert.ok(fragment);
    const stream = source.subarray(fragment.position, fragment.position + fragment.length);
    const third = Math.floor(stream.length / 3) & ~1;
    const pieces = [stream.subarray(0, third), stream.subarray(third, 2 * third), stream.subarray(2 * third)];
    const elements = greyImageElements({ rows: 1024, cols: 1024, bitsAllocated: 8, bitsStored: 8, signed: false });
    const [split, original] = await Promise.all([
      readImage(writeDicom('1.2.840.10008.1.2.4.80', elements, pieces)),
      readImage(sampleBytes(DICOM.nihImplicit)),
    ]);
    assert.deepEqual(split.pixels, original.pixels);
  });
});
