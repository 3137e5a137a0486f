/** The table lookup gives the grayscale pipeline's own values, pixel for pixel, for every kind of header. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomHeader } from '../../../../models/image/dicom/dicom-header.ts';
import { displayTable, displayValues } from '../../../../models/image/dicom/display-values.ts';
import { type CodecFrame, type IntSamples, toStoredValues } from '../../../../models/image/dicom/stored-values.ts';
import { renderGrey } from '../../../../models/image/dicom/voi.ts';

const rows = 16;
const cols = 32;

function header(extra: Partial<DicomHeader>): DicomHeader {
  const bitsStored = extra.bitsStored ?? 12;
  return {
    rows,
    cols,
    samplesPerPixel: 1,
    bitsAllocated: 16,
    bitsStored,
    highBit: bitsStored - 1,
    pixelRepresentation: 0,
    photometric: 'MONOCHROME2',
    rescaleSlope: 1,
    rescaleIntercept: 0,
    voiLutFunction: 'LINEAR',
    ...extra,
  } as DicomHeader;
}

/** Samples with every bit of the container set at random (bits above Bits Stored included). */
function frame(samples: IntSamples): CodecFrame {
  let seed = 12345;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    samples[i] = seed >>> 8;
  }
  return { samples, samplesPerPixel: 1, planar: false };
}

const general = (f: CodecFrame, h: DicomHeader) => renderGrey(toStoredValues(f, h), h);

const lut = (firstMapped: number, values: number[]) => ({
  firstMapped,
  bitsPerEntry: 16,
  data: Uint16Array.from(values),
});

const cases: [string, Partial<DicomHeader>, () => IntSamples][] = [
  ['8-bit display-ready', { bitsStored: 8, bitsAllocated: 8 }, () => new Uint8Array(rows * cols)],
  ['12 of 16 bits, window LINEAR', { windowCenter: 2000, windowWidth: 1500 }, () => new Uint16Array(rows * cols)],
  [
    '12 bits, SIGMOID, MONOCHROME1',
    { windowCenter: 1800, windowWidth: 900, voiLutFunction: 'SIGMOID', photometric: 'MONOCHROME1' },
    () => new Uint16Array(rows * cols),
  ],
  [
    '12 bits, LINEAR_EXACT, inverse presentation',
    { windowCenter: 1024, windowWidth: 700, voiLutFunction: 'LINEAR_EXACT', presentationLutShape: 'INVERSE' },
    () => new Uint16Array(rows * cols),
  ],
  [
    'signed 16 bits with rescale (CT-like)',
    {
      bitsStored: 16,
      pixelRepresentation: 1,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      windowCenter: 40,
      windowWidth: 400,
    },
    () => new Int16Array(rows * cols),
  ],
  [
    'signed 12 bits in 16 (sign extension)',
    { pixelRepresentation: 1, windowCenter: 0, windowWidth: 2000 },
    () => new Uint16Array(rows * cols),
  ],
  [
    'high bit not at the top (shift)',
    { bitsStored: 10, highBit: 11, windowCenter: 500, windowWidth: 600 },
    () => new Uint16Array(rows * cols),
  ],
  ['VOI LUT Sequence', { bitsStored: 4, voiLut: lut(2, [0, 1000, 30000, 65535]) }, () => new Uint16Array(rows * cols)],
  [
    'Modality LUT Sequence and a window',
    { bitsStored: 4, modalityLut: lut(0, [5, 50, 500, 5000]), windowCenter: 300, windowWidth: 800 },
    () => new Uint16Array(rows * cols),
  ],
];

describe('display values by table lookup', () => {
  for (const [name, extra, samples] of cases) {
    it(`${name}: the same values as the general path`, () => {
      const h = header(extra);
      assert.ok(displayTable(h), 'a table applies');
      const f = frame(samples());
      assert.deepEqual(displayValues(f, h), general(f, h));
    });
  }

  it('falls back to the general path when the window comes from the film (percentiles)', () => {
    const h = header({});
    assert.equal(displayTable(h), undefined);
    const f = frame(new Uint16Array(rows * cols));
    assert.deepEqual(displayValues(f, h), general(f, h));
  });
});
