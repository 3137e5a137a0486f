import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CxrError } from '../../../models/errors.ts';
import { IMAGE_ERROR_CODES } from '../../../models/image/image-errors.ts';
import { readImage, readImageFile } from '../../../models/image/read-image.ts';
import { ALL_DICOM, DICOM, PNG_256, sample, sampleBytes } from './samples.ts';

async function expectInputError(bytes: Uint8Array, codes: readonly string[], what: string): Promise<string> {
  try {
    await readImage(bytes);
  } catch (thrown) {
    assert.ok(thrown instanceof CxrError, `${what}: threw a ${String(thrown)} instead of a CxrError`);
    assert.equal(thrown.kind, 'input', what);
    assert.ok(codes.includes(thrown.code), `${what}: ${thrown.code} ${thrown.message}`);
    return thrown.code;
  }
  assert.fail(`${what}: was read without error`);
}

/** Deterministic pseudo-random numbers (tests pass randomness in, STYLE.md rule 4). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('readImage on corrupt input', () => {
  it('refuses a zero-length file with CXR_ERR_EMPTY_FILE', async () => {
    await expectInputError(new Uint8Array(0), ['CXR_ERR_EMPTY_FILE'], 'empty');
  });

  it('refuses text and random bytes with CXR_ERR_NOT_AN_IMAGE', async () => {
    await expectInputError(new TextEncoder().encode('hello, this is a report'), ['CXR_ERR_NOT_AN_IMAGE'], 'text');
    const random = lcg(7);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256));
    await expectInputError(noise, ['CXR_ERR_NOT_AN_IMAGE'], 'noise');
  });

  it('reports a missing file as CXR_ERR_FILE_UNREADABLE', async () => {
    await assert.rejects(readImageFile(sample('does-not-exist.dcm')), { code: 'CXR_ERR_FILE_UNREADABLE' });
  });

  for (const file of ALL_DICOM) {
    it(`reports ${file.split('/').pop()} truncated at several offsets as CXR_ERR_DICOM_TRUNCATED`, async () => {
      const bytes = sampleBytes(file);
      for (const fraction of [0.0005, 0.01, 0.1, 0.5, 0.9, 0.999]) {
        const cut = bytes.subarray(0, Math.max(1, Math.floor(bytes.length * fraction)));
        const codes = ['CXR_ERR_DICOM_TRUNCATED'];
        await expectInputError(cut, codes, `${file} cut at ${cut.length}`);
      }
    });
  }

  it('never crashes or hangs on flipped bytes: each result is an image or a typed input error', async () => {
    const random = lcg(42);
    const outcomes = new Map<string, number>();
    for (const file of ALL_DICOM) {
      const bytes = sampleBytes(file);
      for (let round = 0; round < 4; round++) {
        const corrupt = Uint8Array.from(bytes);
        // Half the rounds hit the header (first 2 kB), half anywhere.
        const span = round % 2 === 0 ? Math.min(2048, corrupt.length) : corrupt.length;
        for (let k = 0; k < 16; k++) {
          const at = Math.floor(random() * span);
          corrupt[at] = (corrupt[at] ?? 0) ^ 0xff;
        }
        let outcome = 'ok';
        try {
          const image = await readImage(corrupt);
          assert.equal(image.pixels.length, image.rows * image.cols);
        } catch (thrown) {
          assert.ok(thrown instanceof CxrError, `${file} round ${round}: ${String(thrown)}`);
          assert.equal(thrown.kind, 'input');
          assert.ok((IMAGE_ERROR_CODES as readonly string[]).includes(thrown.code), thrown.code);
          outcome = thrown.code;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }
    assert.ok(outcomes.size > 1, `corruption was noticed at least sometimes: ${JSON.stringify([...outcomes])}`);
  });

  it('recovers the wasm codecs after a corrupt stream: a good file decodes afterwards', async () => {
    for (const file of [DICOM.nihJ2k, DICOM.nihJpegLs]) {
      const bytes = sampleBytes(file);
      const corrupt = Uint8Array.from(bytes);
      corrupt.fill(0xff, bytes.length - 300_000, bytes.length - 1000); // wreck the codestream
      await expectInputError(corrupt, ['CXR_ERR_DECODE_FAILED'], `${file} wrecked`);
      const image = await readImage(bytes);
      assert.equal(image.rows, 1024);
    }
  });

  it('refuses absurd dimensions before allocating, with CXR_ERR_IMAGE_TOO_LARGE', async () => {
    const bytes = Uint8Array.from(sampleBytes(DICOM.nihImplicit));
    // Rows (0028,0010) implicit VR: tag 4 bytes, length 4 bytes, value 2 bytes. Set rows and columns to 65535.
    const view = new DataView(bytes.buffer);
    for (const element of [0x0010, 0x0011]) {
      for (let i = 0; i + 10 < bytes.length; i++) {
        if (
          view.getUint16(i, true) === 0x0028 &&
          view.getUint16(i + 2, true) === element &&
          view.getUint32(i + 4, true) === 2
        ) {
          view.setUint16(i + 8, 65535, true);
          break;
        }
      }
    }
    await expectInputError(bytes, ['CXR_ERR_IMAGE_TOO_LARGE'], 'forged 65535² header');
    await assert.rejects(readImage(sampleBytes(PNG_256), { maxPixels: 1000 }), { code: 'CXR_ERR_IMAGE_TOO_LARGE' });
  });

  it('refuses a codestream that declares another size than the header, before the codec allocates', async () => {
    for (const [file, marker] of [
      [DICOM.nihJpegLs, [0xff, 0xf7]],
      [DICOM.nihJpegLossless, [0xff, 0xc3]],
      [DICOM.nihJ2k, [0xff, 0x51]],
    ] as const) {
      const bytes = Uint8Array.from(sampleBytes(file));
      const at = Buffer.from(bytes).indexOf(Buffer.from(marker), 132);
      assert.ok(at > 0, `${file}: marker found`);
      // JPEG: P(1) Y(2) X(2) after the 2-byte length; J2K: Xsiz/Ysiz after Lsiz(2) Rsiz(2). Forge 60000.
      const offset = marker[1] === 0x51 ? at + 6 : at + 5;
      bytes.set([0x00, 0x00, 0xea, 0x60].slice(marker[1] === 0x51 ? 0 : 2), offset);
      await assert.rejects(readImage(bytes), { code: 'CXR_ERR_DECODE_FAILED', message: /the codestream is .*60000/ });
    }
  });

  it('reports an unknown transfer syntax as CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX', async () => {
    const bytes = Uint8Array.from(sampleBytes(DICOM.nihJpegLs));
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('1.2.840.10008.1.2.4.80');
    assert.ok(at > 0);
    bytes.set(new TextEncoder().encode('1.2.840.10008.1.2.4.99'), at); // same length, not a syntax we know
    await expectInputError(bytes, ['CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX'], 'unknown syntax');
  });

  it('reports a PNG with a broken body as CXR_ERR_DECODE_FAILED', async () => {
    const bytes = Uint8Array.from(sampleBytes(PNG_256));
    bytes.fill(0, 200, bytes.length - 20);
    await expectInputError(bytes, ['CXR_ERR_DECODE_FAILED'], 'broken PNG');
  });
});
