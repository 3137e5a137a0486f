import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DICOM, PNG_256, sample } from '../models/image/samples.ts';
import { runCxr } from '../support/cxr-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cxr = (args: string[]) => runCxr(args, { cwd: ROOT });

describe('cxr read', () => {
  it('prints one JSON object per file and exits 0 when all files read', async () => {
    const files = [sample(DICOM.siimMono1), sample(DICOM.abdomen), sample(PNG_256)];
    const { code, stdout } = await cxr(['read', '--json', ...files]);
    assert.equal(code, 0);
    const reports = JSON.parse(stdout) as Record<string, unknown>[];
    assert.equal(reports.length, 3);
    const [mono1, abdomen, png] = reports;
    assert.equal(mono1?.file, files[0]);
    assert.deepEqual(
      [mono1?.rows, mono1?.cols, mono1?.isChest, mono1?.modality, mono1?.photometric],
      [1024, 1024, true, 'CR', 'MONOCHROME1'],
    );
    assert.equal(mono1?.transferSyntax, '1.2.840.10008.1.2.4.50');
    assert.match(String(mono1?.sha256), /^[0-9a-f]{64}$/);
    const stats = mono1?.stats as { min: number; max: number; mean: number };
    assert.ok(stats.min >= 0 && stats.max <= 1 && stats.mean > stats.min && stats.mean < stats.max);
    assert.equal(abdomen?.isChest, false);
    assert.match(String(abdomen?.notChestReason), /OT/);
    assert.equal(png?.format, 'png');
  });

  it('reports a bad file as an error entry, keeps going, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-cli-read-'));
    const text = join(dir, 'report.dcm');
    writeFileSync(text, 'not an image');
    const { code, stdout } = await cxr(['read', '--json', text, sample(PNG_256)]);
    assert.equal(code, 2);
    const [bad, good] = JSON.parse(stdout) as { error?: { code: string; message: string }; rows?: number }[];
    assert.deepEqual(Object.keys(bad?.error ?? {}).sort(), ['code', 'message']);
    assert.equal(bad?.error?.code, 'CXR_ERR_NOT_AN_IMAGE');
    assert.equal(good?.rows, 256);
  });

  it('never prints patient IDs or UIDs, in human or JSON output', async () => {
    const file = sample(DICOM.nihImplicit); // PatientID Covid0000, UIDs 1.3.6.1.4.1.11129...
    for (const args of [
      ['read', file],
      ['read', '--json', file],
    ]) {
      const { code, stdout } = await cxr(args);
      assert.equal(code, 0);
      assert.ok(!stdout.includes('Covid0000'));
      assert.ok(!/1\.3\.6\.1\.4\.1\.11129/.test(stdout.replace(file, '')));
    }
    const human = (await cxr(['read', file])).stdout;
    assert.match(human, /DICOM 1024x1024 8-bit MONOCHROME2/);
    assert.match(human, /chest: yes/);
  });
});
