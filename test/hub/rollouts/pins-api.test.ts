/**
 * Pins through `app.inject` on a built hub: an agent pin and a site pin are sent at once (the agent pin
 * wins), pinned agents are left out of rollouts of other versions, admin-only, audited with before/after.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { PASSWORDS } from '../fixtures.ts';
import {
  agentFeed,
  agentKey,
  codeOf,
  desiredLog,
  type InjectUser,
  injectLogin,
  publishTiny,
} from '../inject-session.ts';
import { registryHubConfig } from '../registry-fixtures.ts';

const B1 = { site: 'clinic-b', agent: 'xr-1' };
const B2 = { site: 'clinic-b', agent: 'xr-2' };
let hub: BuiltHub;
let admin: InjectUser;
let rad: InjectUser;
const desired = desiredLog();

before(async () => {
  hub = await buildHub({ config: registryHubConfig({}, [B1, B2]), publishDesired: desired.sink });
  admin = await injectLogin(hub, 'boss', PASSWORDS.admin);
  rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
  for (const [version, seed] of [
    ['1.0.0', 1],
    ['1.1.0', 2],
    ['1.2.0', 3],
  ] as const)
    await publishTiny(hub, version, seed);
  const feed = agentFeed(hub);
  await feed.status(B1, '1.0.0');
  await feed.status(B2, '1.0.0');
});
after(() => hub.close());

it('pins an agent and a site: sent at once, left out of rollouts of other versions, audited', async () => {
  const pin = await admin.send('PUT', '/api/pins', { site: 'clinic-b', agent: 'xr-2', version: '1.0.0' });
  assert.equal(pin.statusCode, 200, pin.body);
  assert.deepEqual((pin.json() as { sentTo: string[] }).sentTo, ['clinic-b/xr-2']);
  const pinned = desired.last(B2)!;
  assert.deepEqual([pinned.version, pinned.rolloutId], ['1.0.0', undefined]);
  assert.equal((await rad.send('PUT', '/api/pins', { site: 'clinic-b', version: '1.0.0' })).statusCode, 403);
  const unknown = await admin.send('PUT', '/api/pins', { site: 'clinic-b', agent: 'xr-2', version: '8.8.8' });
  assert.equal(codeOf(unknown), 'CXR_ERR_HUB_MODEL_NOT_FOUND');

  const started = await admin.send('POST', '/api/rollouts', {
    version: '1.2.0',
    target: { sites: ['clinic-b'] },
    waves: [{ percent: 100 }],
  });
  const rollout = started.json() as { id: string; agents: { site: string; agent: string }[] };
  assert.deepEqual(rollout.agents.map(agentKey), ['clinic-b/xr-1'], 'the pinned agent is left out');
  assert.equal(desired.last(B2)?.version, '1.0.0');
  await admin.send('POST', `/api/rollouts/${rollout.id}/abort`);
  assert.equal(desired.last(B1)?.version, '1.0.0', 'the abort sent xr-1 its previous version');

  const sitePin = (await admin.send('PUT', '/api/pins', { site: 'clinic-b', version: '1.2.0' })).json() as {
    sentTo: string[];
  };
  assert.deepEqual(sitePin.sentTo, ['clinic-b/xr-1'], 'the agent pin wins over the site pin');
  assert.deepEqual([desired.last(B1)?.version, desired.last(B2)?.version], ['1.2.0', '1.0.0']);
  const empty = await admin.send('POST', '/api/rollouts', { version: '1.1.0', target: { sites: ['clinic-b'] } });
  assert.equal(codeOf(empty), 'CXR_ERR_HUB_ROLLOUT_EMPTY');
  const same = await admin.send('POST', '/api/rollouts', { version: '1.2.0', target: { sites: ['clinic-b'] } });
  assert.equal(same.statusCode, 201, 'an agent pinned to the rollout version stays in');

  const pins = (await rad.get('/api/pins')).json() as {
    pins: { site: string; agent: string | null; version: string }[];
  };
  assert.deepEqual(
    pins.pins.map((p) => [p.site, p.agent, p.version]),
    [
      ['clinic-b', null, '1.2.0'],
      ['clinic-b', 'xr-2', '1.0.0'],
    ],
  );
  const cleared = await admin.send('PUT', '/api/pins', { site: 'clinic-b', agent: 'xr-2', version: null });
  assert.deepEqual((cleared.json() as { sentTo: string[] }).sentTo, [], 'clearing sends nothing');
  const audit = (await admin.get('/api/audit?target=clinic-b/xr-2')).json() as {
    entries: { action: string; before: unknown; after: unknown }[];
  };
  assert.deepEqual(audit.entries.map((e) => [e.action, e.before, e.after]).reverse(), [
    ['pin.set', null, { version: '1.0.0' }],
    ['pin.clear', { version: '1.0.0' }, null],
  ]);
});
