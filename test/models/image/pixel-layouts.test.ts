/**
 * Pixel layouts that once came out silently wrong (issue #18), each built around the real 256² NIH sample:
 * colour JPEG-LS with interleave mode 0 (planar), JPEG 2000 with the reversible colour transform (YBR_RCT),
 * 8-bit pixels stored as OW words in Explicit VR Big Endian, uncompressed YBR_FULL_422; and the codes of
 * objects without pixels. The pydicom cross-check (pydicom-crosscheck.test.ts) covers the real files.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readImage } from '../../../models/image/read-image.ts';
import { type Element, greyImageElements, writeDicom } from './dicom-writer.ts';
import { PNG_256, sample } from './samples.ts';

const require = createRequire(import.meta.url);
const SIZE = 256;

interface Encoder {
  getDecodedBuffer(info: object): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setInterleaveMode?(mode: number): void;
  delete(): void;
}
type EncoderModule = { JpegLSEncoder?: new () => Encoder; J2KEncoder?: new () => Encoder };

let grey: Uint8Array;
/** Interleaved RGB whose three channels differ, so a wrong channel or layout changes the luminance. */
let rgb: Uint8Array;
/** Rec. 601 luminance of `rgb`, rounded, / 255: what the reader must return for it. */
let expectedLuminance: Float32Array;

function colourElements(photometric: string, extra: Element[] = []): Element[] {
  return [
    [0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'],
    [0x00080060, 'CS', 'DX'],
    [0x00280002, 'US', [3]],
    [0x00280004, 'CS', photometric],
    [0x00280006, 'US', [0]],
    [0x00280010, 'US', [SIZE]],
    [0x00280011, 'US', [SIZE]],
    [0x00280100, 'US', [8]],
    [0x00280101, 'US', [8]],
    [0x00280102, 'US', [7]],
    [0x00280103, 'US', [0]],
    ...extra,
  ];
}

/** The same pixels as planes (R..., G..., B...): what CharLS takes for interleave mode 0. */
function planes(interleaved: Uint8Array): Uint8Array {
  const n = interleaved.length / 3;
  const out = new Uint8Array(interleaved.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = interleaved[3 * i + c] ?? 0;
  return out;
}

async function encodeColour(
  module: string,
  configure: (e: Encoder) => void,
  options: { mct: boolean; planar: boolean },
): Promise<Uint8Array> {
  const codecs = (await require(module)({ print() {}, printErr() {} })) as EncoderModule;
  const Encoder = codecs.JpegLSEncoder ?? codecs.J2KEncoder;
  assert.ok(Encoder);
  const encoder = new Encoder();
  const info = { width: SIZE, height: SIZE, bitsPerSample: 8, componentCount: 3, isSigned: false };
  encoder.getDecodedBuffer({ ...info, isUsingColorTransform: options.mct }).set(options.planar ? planes(rgb) : rgb);
  configure(encoder);
  encoder.encode();
  const out = encoder.getEncodedBuffer().slice();
  encoder.delete();
  return out;
}

function assertPixels(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let wrong = 0;
  for (let i = 0; i < expected.length; i++) if (Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)) > 1e-6) wrong++;
  assert.equal(wrong, 0, `${what}: ${wrong} of ${expected.length} pixels differ`);
}

describe('pixel layouts', () => {
  before(async () => {
    grey = new Uint8Array(await sharp(sample(PNG_256)).greyscale().raw().toBuffer());
    rgb = new Uint8Array(3 * grey.length);
    expectedLuminance = new Float32Array(grey.length);
    for (let i = 0; i < grey.length; i++) {
      const g = grey[i] ?? 0;
      const [r, gr, b] = [g, 255 - g, (g * 7) % 256];
      rgb.set([r, gr, b], 3 * i);
      expectedLuminance[i] = Math.round(0.299 * r + 0.587 * gr + 0.114 * b) / 255;
    }
  });

  it('reads uncompressed interleaved RGB as its Rec. 601 luminance (the baseline for the codecs below)', async () => {
    const image = await readImage(writeDicom('1.2.840.10008.1.2.1', colourElements('RGB'), rgb));
    assertPixels(image.pixels, expectedLuminance, 'native RGB');
  });

  for (const mode of [0, 1, 2]) {
    it(`reads colour JPEG-LS with interleave mode ${mode} exactly (mode 0 is planar)`, async () => {
      const configure = (e: Encoder): void => e.setInterleaveMode?.(mode);
      const stream = await encodeColour('@cornerstonejs/codec-charls/wasmjs', configure, {
        mct: false,
        planar: mode === 0,
      });
      const image = await readImage(writeDicom('1.2.840.10008.1.2.4.80', colourElements('RGB'), [stream]));
      assertPixels(image.pixels, expectedLuminance, `JPEG-LS ILV${mode}`);
    });
  }

  it('reads JPEG 2000 with the reversible colour transform (YBR_RCT) as RGB: OpenJPEG undoes the transform', async () => {
    const stream = await encodeColour('@cornerstonejs/codec-openjpeg/wasmjs', () => {}, { mct: true, planar: false });
    const image = await readImage(writeDicom('1.2.840.10008.1.2.4.90', colourElements('YBR_RCT'), [stream]));
    assertPixels(image.pixels, expectedLuminance, 'J2K YBR_RCT');
  });

  it('swaps the bytes of 8-bit OW pixel data back in Explicit VR Big Endian (adjacent pixels not exchanged)', async () => {
    const words = new Uint8Array(grey.length);
    for (let i = 0; i < grey.length; i++) words[i] = grey[i ^ 1] ?? 0; // OW: 16-bit words, most significant first
    const elements = greyImageElements({ rows: SIZE, cols: SIZE, bitsAllocated: 8, bitsStored: 8, signed: false });
    const image = await readImage(writeDicom('1.2.840.10008.1.2.2', elements, words));
    assertPixels(
      image.pixels,
      Float32Array.from(grey, (g) => g / 255),
      'big endian OW',
    );
  });

  it('reads uncompressed YBR_FULL_422 (two samples per pixel) as its Y samples', async () => {
    const packed = new Uint8Array(2 * grey.length);
    for (let p = 0; p < grey.length; p += 2) packed.set([grey[p] ?? 0, grey[p + 1] ?? 0, 100, 160], 2 * p); // Y1 Y2 Cb Cr
    const image = await readImage(writeDicom('1.2.840.10008.1.2.1', colourElements('YBR_FULL_422'), packed));
    assertPixels(
      image.pixels,
      Float32Array.from(grey, (g) => g / 255),
      'YBR_FULL_422',
    );
  });

  it('reports an object without image geometry or pixels (DICOMDIR, waveform) as CXR_ERR_DICOM_NO_PIXEL_DATA', async () => {
    const directory = writeDicom('1.2.840.10008.1.2.1', [[0x00041130, 'CS', 'CXR']], null, '1.2.840.10008.1.3.10');
    await assert.rejects(readImage(directory), { code: 'CXR_ERR_DICOM_NO_PIXEL_DATA' });
    const waveform = writeDicom('1.2.840.10008.1.2.1', [[0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.9.1.1']], null);
    await assert.rejects(readImage(waveform), { code: 'CXR_ERR_DICOM_NO_PIXEL_DATA' });
    // Of a class we do not list, but with elements past Columns (0028,0011) and no Rows or Columns.
    const unlisted: Element[] = [
      [0x00080016, 'UI', '1.2.3.4'],
      [0x54000100, 'SQ', []],
    ];
    await assert.rejects(readImage(writeDicom('1.2.840.10008.1.2.1', unlisted, null)), {
      code: 'CXR_ERR_DICOM_NO_PIXEL_DATA',
    });
  });

  it('reports an image whose data set ends before its Pixel Data as CXR_ERR_DICOM_TRUNCATED', async () => {
    const elements = greyImageElements({ rows: SIZE, cols: SIZE, bitsAllocated: 8, bitsStored: 8, signed: false });
    await assert.rejects(readImage(writeDicom('1.2.840.10008.1.2.1', elements, null)), {
      code: 'CXR_ERR_DICOM_TRUNCATED',
    });
  });
});
