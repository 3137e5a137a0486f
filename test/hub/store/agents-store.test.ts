import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { createAgentsStore } from '../../../hub/store/agents-store.ts';
import { openHubDb } from '../../../hub/store/db.ts';
import { statusMessage, tempDir } from '../fixtures.ts';

it('keeps the last known model of an agent that went offline; a new online status replaces everything', () => {
  const agents = createAgentsStore(openHubDb(join(tempDir(), 'hub.db')));
  agents.recordStatus(
    statusMessage('clinic-a', 'xr-1', { model: { version: '1.0.0', sha256: 'a'.repeat(64) } }),
    new Date(),
  );
  const offline = { v: 1 as const, site: 'clinic-a', agent: 'xr-1', online: false, at: new Date().toISOString() };
  agents.recordStatus(offline, new Date());

  const [away] = agents.list();
  assert.equal(away?.online, false);
  assert.equal(away?.status?.online, false);
  assert.equal(away?.status?.at, offline.at);
  assert.equal(away?.status?.model?.version, '1.0.0', 'the last known model survives the offline status');

  const { model: _model, ...withoutModel } = statusMessage('clinic-a', 'xr-1');
  agents.recordStatus(withoutModel, new Date());
  const [back] = agents.list();
  assert.equal(back?.online, true);
  assert.equal(back?.status?.model, undefined, 'an online status is taken as it is');
});

it('an offline status for an agent never seen before is stored as it is', () => {
  const agents = createAgentsStore(openHubDb(join(tempDir(), 'hub.db')));
  agents.recordStatus(
    { v: 1, site: 'clinic-b', agent: 'xr-9', online: false, at: new Date().toISOString() },
    new Date(),
  );
  assert.deepEqual(
    agents.list().map((a) => [a.agent, a.online, a.status?.model]),
    [['xr-9', false, undefined]],
  );
});
