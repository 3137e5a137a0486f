import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { openAgentDatabase } from '../../../agent/store/database.ts';
import { PixelQueue } from '../../../agent/store/pixel-queue.ts';
import type { DiagnosticImage } from '../../../protocol/pixel-messages.ts';

const image = (sha: string, sizeBytes: number): DiagnosticImage => ({
  sha256: sha,
  sizeBytes,
  mime: 'image/png',
  width: 2,
  height: 2,
  bitsStored: 8,
  slope: 1,
  intercept: 0,
  window: { center: 127.5, width: 255 },
  invert: false,
});

it('keeps a queued image (row and file) until the hub confirms it, across a reopen, and shares one file per sha', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-pixel-queue-'));
  const dir = join(root, 'pixels');
  let db = openAgentDatabase(join(root, 'agent.db'));
  let queue = new PixelQueue(db, dir);
  const bytes = Buffer.from('png bytes');
  const sha = 'a'.repeat(64);
  await queue.enqueue('r1', image(sha, bytes.length), bytes, 1000);
  await queue.enqueue('r1', image(sha, bytes.length), bytes, 2000); // scored again after a crash: no change
  await queue.enqueue('r2', image(sha, bytes.length), bytes, 3000);
  db.close();
  db = openAgentDatabase(join(root, 'agent.db'));
  queue = new PixelQueue(db, dir);
  assert.deepEqual(queue.size(), { uploads: 2, bytes: 2 * bytes.length });
  assert.deepEqual(
    queue.due(5000, 10).map((u) => [u.resultId, u.createdAt]),
    [
      ['r1', 1000],
      ['r2', 3000],
    ],
  );
  queue.retryLater('r1', 9000, 'CXR_ERR_AGENT_UPLOAD_FAILED');
  assert.deepEqual(
    queue.due(5000, 10).map((u) => u.resultId),
    ['r2'],
  );
  queue.resetBackoff(5000);
  assert.equal(queue.due(5000, 10).find((u) => u.resultId === 'r1')?.attempts, 1);
  queue.confirmed('r1', sha);
  assert.ok(existsSync(queue.pathOf(sha)), 'r2 still needs the file');
  queue.confirmed('r2', sha);
  assert.equal(existsSync(queue.pathOf(sha)), false);
  assert.deepEqual(queue.size(), { uploads: 0, bytes: 0 });
  db.close();
});

it('sweeps temp files and PNGs no row names (a crash between file and row)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-pixel-queue-'));
  const dir = join(root, 'pixels');
  const db = openAgentDatabase(':memory:');
  const queue = new PixelQueue(db, dir);
  assert.equal(queue.sweep(), 0, 'no folder yet');
  await queue.enqueue('r1', image('b'.repeat(64), 3), Buffer.from('abc'), 1);
  writeFileSync(join(dir, `${'c'.repeat(64)}.png`), 'orphan');
  writeFileSync(join(dir, '.x.tmp'), 'temp');
  assert.equal(queue.sweep(), 2);
  assert.deepEqual(readdirSync(dir), [`${'b'.repeat(64)}.png`]);
  db.close();
});
