/**
 * Cross-check of the DICOM reader against pydicom on a corpus nobody here wrote: every file that opens in
 * pydicom 3.0.2 among those shipped in the pydicom and pydicom-data wheels (installed in .venv by
 * scripts/setup.sh). pydicom-reference.py decodes each first frame with pydicom + pylibjpeg/pyjpegls and puts
 * it through our documented display pipeline; here readImage reads the same file in-process and, per file,
 * dimensions and every pixel are compared (a mean would not see swapped pixels). Every disagreement is
 * fixed or listed below with its reason. Figures: docs/image-reading.md, "Cross-check against pydicom".
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CxrError } from '../../../models/errors.ts';
import { readImage } from '../../../models/image/read-image.ts';
import type { DecodedImage } from '../../../models/image/types.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = join(ROOT, '.venv/bin/python');
const SCRIPT = fileURLToPath(new URL('./pydicom-reference.py', import.meta.url));

interface Reference {
  file: string;
  path: string;
  transferSyntax: string;
  status: 'pixels' | 'no-pixels' | 'decode-failed';
  rows?: number;
  cols?: number;
  pixelsFile?: string;
  message?: string;
}

/** Files we refuse, with the code and why (pydicom may read some of them). */
const REFUSED: Record<string, { code: string; reason: string }> = {
  'pydicom/test_files/examples_palette.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A_2frame.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A_expb.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A_expb_2frame.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A_rle.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/OBXXXX1A_rle_2frame.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/gdcm-US-ALOKA-16.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  'pydicom-data/gdcm-US-ALOKA-16_big.dcm': { code: 'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT', reason: 'PALETTE COLOR' },
  // Image objects (Rows and Columns present) without Pixel Data: to us, an image cut before its pixels.
  'pydicom/charset_files/chrJapMulti.dcm': { code: 'CXR_ERR_DICOM_TRUNCATED', reason: 'CT with Rows, no pixels' },
  'pydicom/charset_files/chrJapMultiExplicitIR6.dcm': {
    code: 'CXR_ERR_DICOM_TRUNCATED',
    reason: 'CT with Rows, no pixels',
  },
  'pydicom/charset_files/chrKoreanMulti.dcm': { code: 'CXR_ERR_DICOM_TRUNCATED', reason: 'CT with Rows, no pixels' },
  'pydicom/test_files/empty_charset_LEI.dcm': {
    code: 'CXR_ERR_DICOM_TRUNCATED',
    reason: 'no SOP class and nothing past group 0028: cannot be told from a file cut between two elements',
  },
  // Both refuse.
  'pydicom/test_files/MR_truncated.dcm': { code: 'CXR_ERR_DICOM_TRUNCATED', reason: 'pixel data cut short' },
  'pydicom/test_files/JPEG2000-embedded-sequence-delimiter.dcm': {
    code: 'CXR_ERR_DECODE_FAILED',
    reason: 'a delimiter inside the codestream; pydicom fails too',
  },
  'pydicom/test_files/meta_missing_tsyntax.dcm': {
    code: 'CXR_ERR_DICOM_INVALID',
    reason: 'no Transfer Syntax UID in the meta group; pydicom cannot decode it either',
  },
  'pydicom/test_files/nested_priv_SQ.dcm': {
    code: 'CXR_ERR_DICOM_TRUNCATED',
    reason: 'dicom-parser cannot walk its nested private sequences; no Bits Allocated, pydicom fails too',
  },
  'pydicom/test_files/dicomdirtests/DICOMDIR-nooffset': {
    code: 'CXR_ERR_DICOM_INVALID',
    reason: 'a DICOMDIR dicom-parser cannot parse; no image either way',
  },
  'pydicom/test_files/rtplan_truncated.dcm': { code: 'CXR_ERR_DICOM_INVALID', reason: 'a cut RT plan, no image' },
};

/** The 50 CT objects of a DICOMDIR test tree, stripped to the patient/study/series modules (no group 0028). */
const STRIPPED_CT = 'pydicom/test_files/dicomdirtests/TINY_ALPHA/PT000000/';
const STRIPPED_CT_REFUSAL = {
  code: 'CXR_ERR_DICOM_TRUNCATED',
  reason: 'a CT object with nothing past group 0020: cannot be told from a CT cut before its image module',
};

function expectedRefusal(file: string): { code: string; reason: string } | undefined {
  return REFUSED[file] ?? (file.startsWith(STRIPPED_CT) ? STRIPPED_CT_REFUSAL : undefined);
}

/** Files pydicom cannot decode and we read: compared with another file's reference where there is one. */
const READ_WITHOUT_REFERENCE: Record<string, { reason: string; sameAs?: string }> = {
  'pydicom/test_files/JPEG-lossy.dcm': { reason: "pydicom's libjpeg refuses its scan header; GDCM reads it too" },
  'pydicom/test_files/badVR.dcm': { reason: 'a malformed IS value stops pydicom; the pixel module is intact' },
  'pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm': {
    reason: 'only the sequence delimiter is missing; the codestream is complete',
    sameAs: 'pydicom-data/emri_small_jpeg_2k_lossless.dcm',
  },
};

/** Lossy DCT JPEG: libjpeg-turbo (sharp) or our 12-bit decoder against libjpeg 9 (pylibjpeg-libjpeg). */
const LOSSY_JPEG = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']);
const LOSSY_MAX_DIFF = 0.04; // about 10 grey levels of 255 at a few edge pixels (IDCT and upsampling)
const LOSSY_MEAN_DIFF = 0.002;
const EXACT_MAX_DIFF = 1e-6; // float rounding only

function difference(ours: Float32Array, reference: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs((ours[i] ?? 0) - (reference[i] ?? 0));
    sum += d;
    if (!(d <= max)) max = d; // NaN counts as a difference
  }
  return { max, mean: sum / reference.length };
}

async function outcome(path: string): Promise<DecodedImage | CxrError> {
  try {
    return await readImage(readFileSync(path));
  } catch (thrown) {
    assert.ok(thrown instanceof CxrError, `${path}: threw ${String(thrown)}, not a CxrError`);
    return thrown;
  }
}

describe('DICOM reader against pydicom (pydicom and pydicom-data corpora)', () => {
  let dir: string;
  let references: Reference[];
  const pixelsOf = (entry: Reference): Float32Array => {
    const bytes = readFileSync(join(dir, entry.pixelsFile ?? ''));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  };

  before(async () => {
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup.sh`);
    dir = mkdtempSync(join(tmpdir(), 'cxr-pydicom-'));
    await promisify(execFile)(PYTHON, [SCRIPT, dir], { timeout: 180_000, maxBuffer: 1 << 20 });
    references = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Reference[];
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the whole corpus: at least 250 files that open in pydicom, from both packages', () => {
    const from = (corpus: string) => references.filter((r) => r.file.startsWith(`${corpus}/`)).length;
    assert.ok(from('pydicom') >= 180, `pydicom files: ${from('pydicom')}`);
    assert.ok(from('pydicom-data') >= 60, `pydicom-data files: ${from('pydicom-data')}`);
    for (const file of [...Object.keys(REFUSED), ...Object.keys(READ_WITHOUT_REFERENCE)]) {
      assert.ok(
        references.some((r) => r.file === file),
        `${file} is listed here but not in the corpus`,
      );
    }
  });

  it('agrees with pydicom on every file: same size and pixels, the same refusal, or a listed reason', async (t) => {
    const problems: string[] = [];
    const tally = { exact: 0, lossy: 0, noPixels: 0, refused: 0, withoutReference: 0 };
    for (const entry of references) {
      const ours = await outcome(entry.path);
      const refused = expectedRefusal(entry.file);
      const unreferenced = READ_WITHOUT_REFERENCE[entry.file];
      if (refused) {
        if (!(ours instanceof CxrError) || ours.code !== refused.code) {
          problems.push(`${entry.file}: expected ${refused.code} (${refused.reason}), got ${summary(ours)}`);
        } else tally.refused++;
        continue;
      }
      if (unreferenced) {
        const twin = references.find((r) => r.file === unreferenced.sameAs);
        if (ours instanceof CxrError) problems.push(`${entry.file}: expected a read, got ${ours.code}`);
        else if (twin && !sameImage(ours, twin, pixelsOf, EXACT_MAX_DIFF, EXACT_MAX_DIFF)) {
          problems.push(`${entry.file}: differs from ${twin.file}`);
        } else tally.withoutReference++;
        continue;
      }
      if (entry.status === 'no-pixels') {
        if (ours instanceof CxrError && ours.code === 'CXR_ERR_DICOM_NO_PIXEL_DATA') tally.noPixels++;
        else problems.push(`${entry.file}: holds no image, got ${summary(ours)}`);
        continue;
      }
      if (entry.status === 'decode-failed' || ours instanceof CxrError) {
        problems.push(`${entry.file}: pydicom ${entry.status} ${entry.message ?? ''}, ours ${summary(ours)}`);
        continue;
      }
      const lossy = LOSSY_JPEG.has(entry.transferSyntax);
      const [maxDiff, meanDiff] = lossy ? [LOSSY_MAX_DIFF, LOSSY_MEAN_DIFF] : [EXACT_MAX_DIFF, EXACT_MAX_DIFF];
      if (sameImage(ours, entry, pixelsOf, maxDiff, meanDiff, problems)) tally[lossy ? 'lossy' : 'exact']++;
    }
    t.diagnostic(`${references.length} files: ${JSON.stringify(tally)}`);
    assert.deepEqual(problems, []);
  });
});

function summary(outcome: DecodedImage | CxrError): string {
  return outcome instanceof CxrError ? `${outcome.code} ${outcome.message}` : `${outcome.cols}x${outcome.rows} image`;
}

function sameImage(
  ours: DecodedImage,
  reference: Reference,
  pixelsOf: (entry: Reference) => Float32Array,
  maxDiff: number,
  meanDiff: number,
  problems: string[] = [],
): boolean {
  if (ours.rows !== reference.rows || ours.cols !== reference.cols) {
    problems.push(`${reference.file}: ${ours.cols}x${ours.rows}, pydicom ${reference.cols}x${reference.rows}`);
    return false;
  }
  const { max, mean } = difference(ours.pixels, pixelsOf(reference));
  if (max > maxDiff || mean > meanDiff) {
    problems.push(`${reference.file}: pixels differ (max ${max.toFixed(4)}, mean ${mean.toFixed(5)})`);
    return false;
  }
  return true;
}
