import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffFormat } from '../../../models/image/sniff-format.ts';
import { DICOM, PNG_256, sampleBytes } from './samples.ts';

describe('sniffFormat', () => {
  it('recognises Part 10 DICOM, bare data sets, PNG and JPEG by their bytes', () => {
    assert.equal(sniffFormat(sampleBytes(DICOM.nihImplicit)), 'dicom-part10');
    assert.equal(sniffFormat(sampleBytes(DICOM.crRaw)), 'dicom-implicit-raw');
    assert.equal(sniffFormat(sampleBytes(PNG_256)), 'png');
    assert.equal(sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0])), 'jpeg');
  });

  it('recognises a meta group without preamble and an explicit-VR bare data set', () => {
    const part10 = sampleBytes(DICOM.nihExplicit);
    assert.equal(sniffFormat(part10.subarray(132)), 'dicom-meta-no-preamble');
    // (0008,0005) CS "ISO_IR 100"
    assert.equal(sniffFormat(Uint8Array.from([8, 0, 5, 0, 0x43, 0x53, 10, 0, 73, 83])), 'dicom-explicit-raw');
  });

  it('throws typed errors for empty, short zero-filled and unknown input', () => {
    assert.throws(() => sniffFormat(new Uint8Array(0)), { code: 'CXR_ERR_EMPTY_FILE' });
    assert.throws(() => sniffFormat(new Uint8Array(60)), { code: 'CXR_ERR_DICOM_TRUNCATED' });
    assert.throws(() => sniffFormat(new TextEncoder().encode('%PDF-1.7 not an image')), {
      code: 'CXR_ERR_NOT_AN_IMAGE',
    });
  });
});
