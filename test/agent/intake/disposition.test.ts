import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { quarantineFile } from '../../../agent/intake/disposition.ts';

test('quarantine: the file moves under its relative folder with a whole .error.json beside it; a clash gets a suffix', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-disposition-'));
  const watch = join(root, 'in');
  const targets = { processedDir: join(root, 'processed'), quarantineDir: join(root, 'quarantine') };
  mkdirSync(join(watch, 'ward'), { recursive: true });
  const at = new Date('2026-12-02T10:00:00Z');
  for (const n of [1, 2]) {
    writeFileSync(join(watch, 'ward', 'film.dcm'), `bytes ${n}`);
    await quarantineFile(join(watch, 'ward', 'film.dcm'), watch, targets, { code: 'CXR_ERR_X', message: `m${n}` }, at);
  }
  const dir = join(targets.quarantineDir, 'ward');
  assert.deepEqual(readdirSync(dir).sort(), ['film.1.dcm', 'film.1.dcm.error.json', 'film.dcm', 'film.dcm.error.json']);
  assert.equal(readFileSync(join(dir, 'film.1.dcm'), 'utf8'), 'bytes 2');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'film.dcm.error.json'), 'utf8')), {
    code: 'CXR_ERR_X',
    message: 'm1',
    at: '2026-12-02T10:00:00.000Z',
  });
  assert.equal(existsSync(join(watch, 'ward', 'film.dcm')), false);
});
