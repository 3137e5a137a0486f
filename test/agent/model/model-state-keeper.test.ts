/** Keep-N pruning and state changes against a real model store on disk. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import pino from 'pino';
import { ModelStateKeeper } from '../../../agent/model/model-state-keeper.ts';
import { ModelStore } from '../../../agent/model/model-store.ts';

const log = pino({ level: 'silent' });

it('deletes installed versions beyond keepVersions, oldest first, never the active or previous one', async () => {
  const store = new ModelStore(join(mkdtempSync(join(tmpdir(), 'cxr-keeper-')), 'models'));
  const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0'];
  for (const version of versions) {
    const staging = await store.makeStagingDir();
    writeFileSync(join(staging, 'manifest.json'), '{}');
    await store.install(staging, version);
  }
  const installed = versions.map((version) => ({
    version,
    sha256: 'a'.repeat(64),
    installedAt: '2025-01-01T00:00:00Z',
  }));
  const keeper = new ModelStateKeeper(store, { active: '1.4.0', previous: '1.0.0', failed: [], installed }, log);
  await keeper.exclusive(() => keeper.prune(3));
  assert.deepEqual(
    versions.filter((v) => store.hasVersion(v)),
    ['1.0.0', '1.3.0', '1.4.0'],
  );
  assert.deepEqual(
    (await store.readState()).installed.map((v) => v.version),
    ['1.0.0', '1.3.0', '1.4.0'],
  );
  assert.equal(keeper.state.previous, '1.0.0');
});

it('runs changes one at a time and hands each caller its own error', async () => {
  const store = new ModelStore(join(mkdtempSync(join(tmpdir(), 'cxr-keeper-')), 'models'));
  const keeper = new ModelStateKeeper(store, { failed: [], installed: [] }, log);
  const order: string[] = [];
  const slow = keeper.exclusive(async () => {
    await new Promise((r) => setTimeout(r, 50));
    order.push('slow');
  });
  const failing = keeper.exclusive(async () => {
    order.push('failing');
    throw new Error('boom');
  });
  const after = keeper.exclusive(async () => order.push('after'));
  await slow;
  await assert.rejects(failing, /boom/);
  await after;
  assert.deepEqual(order, ['slow', 'failing', 'after']);
});
