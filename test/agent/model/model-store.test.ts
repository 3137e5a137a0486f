/** The on-disk model store: atomic state.json, safe version folders, installing over a copy. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ModelStore } from '../../../agent/model/model-store.ts';

const fresh = () => new ModelStore(join(mkdtempSync(join(tmpdir(), 'cxr-model-store-')), 'models'));

it('reads an empty state when there is none and round-trips a written state without leaving temp files', async () => {
  const store = fresh();
  assert.deepEqual(await store.readState(), { failed: [], installed: [] });
  const state = {
    active: '1.1.0',
    previous: '1.0.0',
    failed: [{ version: '1.2.0', sha256: 'c'.repeat(64), rolloutId: 'r9' }],
    installed: [{ version: '1.1.0', sha256: 'a'.repeat(64), installedAt: '2025-01-01T00:00:00.000Z' }],
  };
  await store.writeState(state);
  assert.deepEqual(await store.readState(), state);
  assert.deepEqual(readdirSync(store.root), ['state.json']);
  assert.deepEqual(JSON.parse(readFileSync(join(store.root, 'state.json'), 'utf8')), state);
});

it('refuses a state.json that is not JSON or not its format with CXR_ERR_AGENT_MODEL_STATE_INVALID', async () => {
  const store = fresh();
  mkdirSync(store.root, { recursive: true });
  writeFileSync(join(store.root, 'state.json'), '{"active": ');
  await assert.rejects(store.readState(), { code: 'CXR_ERR_AGENT_MODEL_STATE_INVALID' });
  writeFileSync(join(store.root, 'state.json'), '{"active": 3, "failed": []}');
  await assert.rejects(store.readState(), { code: 'CXR_ERR_AGENT_MODEL_STATE_INVALID' });
});

it('refuses versions that are not safe folder names with CXR_ERR_AGENT_MODEL_VERSION_INVALID', () => {
  const store = fresh();
  for (const bad of ['../x', '.download', 'a/b', '', '..', 'x'.repeat(65)]) {
    assert.throws(() => store.versionDir(bad), { code: 'CXR_ERR_AGENT_MODEL_VERSION_INVALID' }, bad);
    assert.equal(store.hasVersion(bad), false);
  }
  assert.equal(store.versionDir('1.2.3-rc.1+b5'), join(store.root, '1.2.3-rc.1+b5'));
});

it('installs a staging folder as <version>/, replacing an older copy, and removes versions', async () => {
  const store = fresh();
  for (const content of ['old', 'new']) {
    const staging = await store.makeStagingDir();
    writeFileSync(join(staging, 'manifest.json'), content);
    await store.install(staging, '2.0.0');
    assert.equal(existsSync(staging), false);
  }
  assert.ok(store.hasVersion('2.0.0'));
  assert.equal(readFileSync(join(store.versionDir('2.0.0'), 'manifest.json'), 'utf8'), 'new');
  await store.remove('2.0.0');
  assert.equal(store.hasVersion('2.0.0'), false);
});
