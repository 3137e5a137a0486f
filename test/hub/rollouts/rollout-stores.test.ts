/** Contract of the registry and rollout stores (models and aliases, rollouts, rollout agents, pins, desired), on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HubDb } from '../../../hub/db/database.ts';
import { createModelsStore, type RegisteredModel } from '../../../hub/registry/models-store.ts';
import { createDesiredStore } from '../../../hub/rollouts/desired-store.ts';
import { createPinsStore } from '../../../hub/rollouts/pins-store.ts';
import { createRolloutAgentsStore } from '../../../hub/rollouts/rollout-agents-store.ts';
import { createRolloutsStore, type Rollout } from '../../../hub/rollouts/rollouts-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-a', agent: 'xr-2' };

const model = (version: string, publishedAt: string): RegisteredModel => ({
  version,
  name: 'cxr-densenet',
  sha256: version.padEnd(64, '0').replace(/\./g, 'a'),
  modelSha256: 'b'.repeat(64),
  sizeBytes: 3_000_000_000,
  classes: ['Effusion', 'Pneumonia'],
  metrics: { meanAuroc: 0.91, perClass: { Effusion: 0.93 } },
  macs: 136.5e6,
  params: 1.25e6,
  publisherKeyId: 'key-1',
  publishedBy: 'ci',
  publishedAt,
});

const rollout = (id: string, version: string, at: string): Rollout => ({
  id,
  version,
  target: { sites: ['clinic-a'] },
  targets: ['clinic-a/xr-1', 'clinic-a/xr-2'],
  waves: [{ agents: 1 }, { percent: 100 }],
  waitS: 0.5,
  abortFailureFraction: 0.2,
  shadow: true,
  status: 'running',
  reason: null,
  wavesIssued: 0,
  waveDoneAtMs: null,
  createdBy: 'boss',
  createdAt: at,
  updatedAt: at,
});

async function withModels(db: HubDb) {
  const models = createModelsStore(db);
  await models.insert(model('1.0.0', '2026-01-01T00:00:00.000Z'));
  await models.insert(model('1.1.0', '2026-01-02T00:00:00.000Z'));
  return models;
}

describeOnEachEngine('models store', (fresh) => {
  it('keeps registered versions newest first with their metrics, and aliases naming them', async () => {
    const models = await withModels(await fresh());
    assert.deepEqual(
      (await models.list()).map((m) => m.version),
      ['1.1.0', '1.0.0'],
    );
    assert.deepEqual(await models.get('1.0.0'), model('1.0.0', '2026-01-01T00:00:00.000Z'));
    assert.equal(await models.get('9.9.9'), undefined);
    await models.setAlias({ alias: 'production', version: '1.0.0', updatedBy: 'boss', updatedAt: 't1' });
    await models.setAlias({ alias: 'candidate', version: '1.1.0', updatedBy: 'ci', updatedAt: 't2' });
    await models.setAlias({ alias: 'production', version: '1.1.0', updatedBy: 'boss', updatedAt: 't3' });
    assert.deepEqual(await models.aliases(), [
      { alias: 'candidate', version: '1.1.0', updatedBy: 'ci', updatedAt: 't2' },
      { alias: 'production', version: '1.1.0', updatedBy: 'boss', updatedAt: 't3' },
    ]);
    assert.equal(await models.alias('nightly'), undefined);
    await assert.rejects(models.insert(model('1.0.0', 't')), 'a version is registered once');
  });
});

describeOnEachEngine('rollouts and rollout agents stores', (fresh) => {
  it('numbers rollouts in start order, lists the newest first and the active oldest first', async () => {
    const db = await fresh();
    await withModels(db);
    const rollouts = createRolloutsStore(db);
    await rollouts.insert(rollout('r-1', '1.0.0', 't1'));
    await rollouts.insert(rollout('r-2', '1.1.0', 't2'));
    await rollouts.insert(rollout('r-3', '1.1.0', 't3'));
    await rollouts.update('r-2', { status: 'completed', reason: null, wavesIssued: 2, waveDoneAtMs: 1.7e12 }, 't4');
    assert.deepEqual(
      (await rollouts.list(2)).map((r) => r.id),
      ['r-3', 'r-2'],
    );
    assert.deepEqual(
      (await rollouts.active()).map((r) => r.id),
      ['r-1', 'r-3'],
    );
    assert.deepEqual(await rollouts.get('r-2'), {
      ...rollout('r-2', '1.1.0', 't2'),
      status: 'completed',
      wavesIssued: 2,
      waveDoneAtMs: 1.7e12,
      updatedAt: 't4',
    });
    assert.equal(await rollouts.get('r-9'), undefined);
  });

  it('records an agent report on its rollout (by id, else by version), and reverts', async () => {
    const db = await fresh();
    await withModels(db);
    await createRolloutsStore(db).insert(rollout('r-1', '1.1.0', 't1'));
    const agents = createRolloutAgentsStore(db);
    await agents.assign('r-1', B, 1, null, 't1');
    await agents.assign('r-1', A, 0, '1.0.0', 't1');
    const report = { v: 1 as const, version: '1.1.0', at: 't2' };
    assert.equal(
      await agents.recordReport(A, { ...report, state: 'downloading', bytes: 10, totalBytes: 3_000_000_000 }, 't2'),
      'r-1',
    );
    assert.equal(
      await agents.recordReport(A, { ...report, rolloutId: 'r-1', state: 'shadow', agreement: 0.97 }, 't3'),
      'r-1',
    );
    assert.equal(await agents.recordReport(A, { ...report, version: '2.0.0', state: 'active' }, 't3'), undefined);
    let [a, b] = await agents.of('r-1');
    assert.deepEqual(
      [a?.agent, a?.wave, a?.state, a?.previousVersion, a?.bytes, a?.totalBytes, a?.agreement],
      ['xr-1', 0, 'shadow', '1.0.0', null, null, 0.97],
    );
    assert.deepEqual([b?.agent, b?.state, b?.phase], ['xr-2', 'pending', 'target']);

    await agents.revert('r-1', A, '1.0.0', null, 't4');
    await agents.revert('r-1', B, null, 'no previous version', 't4');
    assert.equal(
      await agents.recordReport(A, { v: 1, version: '1.0.0', state: 'active', activeVersion: '1.0.0', at: 't5' }, 't5'),
      'r-1',
    );
    [a, b] = await agents.of('r-1');
    assert.deepEqual(
      [a?.phase, a?.revertVersion, a?.revertState, a?.activeVersion, a?.state],
      ['revert', '1.0.0', 'active', '1.0.0', 'shadow'],
    );
    assert.deepEqual(
      [b?.revertState, b?.code, b?.reason],
      ['impossible', 'CXR_ERR_HUB_ROLLBACK_IMPOSSIBLE', 'no previous version'],
    );
  });
});

describeOnEachEngine('pins and desired stores', (fresh) => {
  it('pins an agent or a whole site, replaces and clears pins', async () => {
    const db = await fresh();
    await withModels(db);
    const pins = createPinsStore(db);
    await pins.set({ site: 'clinic-a', agent: null, version: '1.0.0', pinnedBy: 'boss', pinnedAt: 't1' });
    await pins.set({ site: 'clinic-a', agent: 'xr-2', version: '1.0.0', pinnedBy: 'boss', pinnedAt: 't2' });
    await pins.set({ site: 'clinic-a', agent: 'xr-2', version: '1.1.0', pinnedBy: 'rad', pinnedAt: 't3' });
    assert.deepEqual(await pins.list(), [
      { site: 'clinic-a', agent: null, version: '1.0.0', pinnedBy: 'boss', pinnedAt: 't1' },
      { site: 'clinic-a', agent: 'xr-2', version: '1.1.0', pinnedBy: 'rad', pinnedAt: 't3' },
    ]);
    await pins.clear('clinic-a', null);
    assert.equal(await pins.get('clinic-a', null), undefined);
    assert.equal((await pins.get('clinic-a', 'xr-2'))?.version, '1.1.0');
  });

  it('keeps the last desired message per agent', async () => {
    const desired = createDesiredStore(await fresh());
    const message = (version: string, rolloutId?: string) => ({
      v: 1 as const,
      ...(rolloutId ? { rolloutId } : {}),
      name: 'cxr-densenet',
      version,
      sha256: 'c'.repeat(64),
      url: `http://hub/api/models/${version}/package.tar`,
      sizeBytes: 1234,
      issuedAt: 't',
    });
    await desired.put(B, message('1.0.0'), 't1');
    await desired.put(A, message('1.0.0'), 't1');
    await desired.put(A, message('1.1.0', 'r-1'), 't2');
    assert.deepEqual(await desired.get(A), message('1.1.0', 'r-1'));
    assert.equal(await desired.get({ site: 'clinic-z', agent: 'xr-1' }), undefined);
    assert.deepEqual(
      (await desired.all()).map((d) => [d.address.agent, d.message.version]),
      [
        ['xr-1', '1.1.0'],
        ['xr-2', '1.0.0'],
      ],
    );
  });
});
