/** Contract of the fleet's agents store, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAgentsStore } from '../../../hub/fleet/agents-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { statusMessage } from '../fixtures.ts';

describeOnEachEngine('agents store', (fresh) => {
  it('keeps the last known model of an agent that went offline; a new online status replaces everything', async () => {
    const agents = createAgentsStore(await fresh());
    await agents.recordStatus(
      statusMessage('clinic-a', 'xr-1', { model: { version: '1.0.0', sha256: 'a'.repeat(64) } }),
      new Date(),
    );
    const offline = { v: 1 as const, site: 'clinic-a', agent: 'xr-1', online: false, at: new Date().toISOString() };
    await agents.recordStatus(offline, new Date());

    const [away] = await agents.list();
    assert.equal(away?.online, false);
    assert.equal(away?.status?.online, false);
    assert.equal(away?.status?.at, offline.at);
    assert.equal(away?.status?.model?.version, '1.0.0', 'the last known model survives the offline status');
    assert.equal(away?.status?.backlog, 2, 'and so does the rest of the last online status');

    const { model: _model, ...withoutModel } = statusMessage('clinic-a', 'xr-1');
    await agents.recordStatus(withoutModel, new Date());
    const [back] = await agents.list();
    assert.equal(back?.online, true);
    assert.equal(back?.status?.model, undefined, 'an online status is taken as it is');
  });

  it('an offline status for an agent never seen before is stored as it is', async () => {
    const agents = createAgentsStore(await fresh());
    await agents.recordStatus(
      { v: 1, site: 'clinic-b', agent: 'xr-9', online: false, at: new Date().toISOString() },
      new Date(),
    );
    assert.deepEqual(
      (await agents.list()).map((a) => [a.agent, a.online, a.status?.model]),
      [['xr-9', false, undefined]],
    );
  });

  it('keeps a model state next to the status and lists agents by site, then agent, byte-wise', async () => {
    const agents = createAgentsStore(await fresh());
    const seen = new Date('2026-03-01T10:00:00Z');
    for (const [site, agent] of [
      ['clinic-b', 'xr-1'],
      ['Clinic-a', 'xr-2'],
      ['clinic-a', 'xr-10'],
      ['clinic-a', 'xr-2'],
    ] as const) {
      await agents.recordStatus(statusMessage(site, agent), seen);
    }
    const state = { v: 1 as const, version: '2.0.0', state: 'active' as const, at: seen.toISOString() };
    await agents.recordModelState('clinic-a', 'xr-2', state, new Date('2026-03-01T10:05:00Z'));
    const list = await agents.list();
    assert.deepEqual(
      list.map((a) => `${a.site}/${a.agent}`),
      ['Clinic-a/xr-2', 'clinic-a/xr-10', 'clinic-a/xr-2', 'clinic-b/xr-1'],
    );
    const withState = list.find((a) => a.site === 'clinic-a' && a.agent === 'xr-2')!;
    assert.deepEqual(withState.modelState, state);
    assert.equal(withState.lastSeen, '2026-03-01T10:05:00.000Z');
    assert.equal(withState.status?.agent, 'xr-2');
    assert.equal(withState.results, 0);
  });
});
