import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomHeader } from '../../../../models/image/dicom/dicom-header.ts';
import { maskAndSignExtend, toStoredValues, unpackNative } from '../../../../models/image/dicom/stored-values.ts';

function header(fields: Partial<DicomHeader>): DicomHeader {
  return {
    rows: 1,
    cols: 4,
    samplesPerPixel: 1,
    planarConfiguration: 0,
    bitsAllocated: 16,
    bitsStored: 16,
    highBit: 15,
    pixelRepresentation: 0,
    photometric: 'MONOCHROME2',
    ...fields,
  } as DicomHeader;
}

describe('stored values (PS3.5 §8)', () => {
  it('masks bits above Bits Stored (overlay bits or garbage in the high bits)', () => {
    assert.equal(maskAndSignExtend(0xf3ff, 10, 0, false), 0x3ff);
  });

  it('sign-extends two’s complement values of Bits Stored width', () => {
    assert.equal(maskAndSignExtend(0x0fff, 12, 0, true), -1);
    assert.equal(maskAndSignExtend(0x0800, 12, 0, true), -2048);
    assert.equal(maskAndSignExtend(0x07ff, 12, 0, true), 2047);
    assert.equal(maskAndSignExtend(-5, 16, 0, true), -5);
  });

  it('shifts out bits below High Bit - Bits Stored + 1', () => {
    assert.equal(maskAndSignExtend(0b1010_0000, 4, 4, false), 0b1010);
  });

  it('unpacks little and big endian 16-bit native data', () => {
    const h = header({ bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
    const little = unpackNative(Uint8Array.from([0xff, 0x0f, 0x01, 0x00, 0x00, 0x08, 0xff, 0x07]), h, false);
    assert.deepEqual([...toStoredValues(little, h)], [-1, 1, -2048, 2047]);
    const big = unpackNative(Uint8Array.from([0x0f, 0xff, 0x00, 0x01, 0x08, 0x00, 0x07, 0xff]), h, true);
    assert.deepEqual([...toStoredValues(big, h)], [-1, 1, -2048, 2047]);
  });

  it('reduces RGB to Rec. 601 luminance and YBR to its Y sample', () => {
    const rgb = { samples: Uint8Array.from([255, 0, 0, 0, 255, 0]), samplesPerPixel: 3, planar: false };
    assert.deepEqual(
      [...toStoredValues(rgb, header({ cols: 2, bitsAllocated: 8, bitsStored: 8, photometric: 'RGB' }))],
      [76, 150],
    );
    const ybr = { samples: Uint8Array.from([200, 1, 2, 100, 3, 4]), samplesPerPixel: 3, planar: false };
    const h = header({ cols: 2, bitsAllocated: 8, bitsStored: 8, photometric: 'YBR_FULL' });
    assert.deepEqual([...toStoredValues(ybr, h)], [200, 100]);
  });
});
