/**
 * Rollouts through `app.inject` on a built hub, with agents' status and model/state fed into ingest via
 * `dispatch` and every `model/desired` the hub publishes captured: waves, per-agent state,
 * pause/resume/abort/rollback, admin-only + CSRF, audit entries. Pins: pins-api.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import type { AgentAddress } from '../../../protocol/topics.ts';
import { PASSWORDS } from '../fixtures.ts';
import { agentFeed, agentKey, desiredLog, type InjectUser, injectLogin, publishTiny } from '../inject-session.ts';
import { registryHubConfig } from '../registry-fixtures.ts';

const AGENTS = [
  { site: 'clinic-a', agent: 'xr-1' },
  { site: 'clinic-a', agent: 'xr-2' },
  { site: 'clinic-b', agent: 'xr-1' },
  { site: 'clinic-b', agent: 'xr-2' },
];
const key = agentKey;

interface RolloutBody {
  id: string;
  status: string;
  reason: string | null;
  wavesIssued: number;
  targetCount: number;
  counts: Record<string, number>;
  agents: {
    site: string;
    agent: string;
    wave: number;
    shown: string;
    state: string;
    previousVersion: string | null;
    code: string | null;
    revertVersion: string | null;
  }[];
}

describe('rollouts API (inject)', () => {
  let hub: BuiltHub;
  const desired = desiredLog();
  let admin: InjectUser;
  let rad: InjectUser;
  let feed: ReturnType<typeof agentFeed>;

  const post = (url: string, payload: unknown = {}, who = admin) => who.send('POST', url, payload);
  const get = async (id: string) => (await rad.get(`/api/rollouts/${id}`)).json() as RolloutBody;
  const report: ReturnType<typeof agentFeed>['report'] = (address, state) => feed.report(address, state);
  const status = (address: AgentAddress, version: string, online = true) => feed.status(address, version, online);
  const lastSentTo = desired.last;
  const auditActions = async (target: string) =>
    (
      (await admin.get(`/api/audit?target=${target}&limit=100`)).json() as {
        entries: { action: string; actor: string }[];
      }
    ).entries
      .map((e) => `${e.actor}:${e.action}`)
      .reverse();

  before(async () => {
    hub = await buildHub({
      config: registryHubConfig({ http: { port: 0, publicUrl: 'https://hub.example.org/cxr/' } }, AGENTS),
      publishDesired: desired.sink,
    });
    feed = agentFeed(hub);
    admin = await injectLogin(hub, 'boss', PASSWORDS.admin);
    rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
    await publishTiny(hub, '1.0.0', 1);
    await publishTiny(hub, '1.1.0', 2);
    await publishTiny(hub, '1.2.0', 3);
    for (const a of AGENTS) await status(a, '1.0.0', a.agent === 'xr-1');
  });
  after(() => hub.close());

  it('starts in waves: canary first (online agents first), the next wave when it is active, then completes', async () => {
    const start = await post('/api/rollouts', {
      version: '1.1.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 50 }, { percent: 100 }],
      waitS: 0,
    });
    assert.equal(start.statusCode, 201, start.body);
    const rollout = start.json() as RolloutBody;
    assert.deepEqual([rollout.status, rollout.wavesIssued, rollout.targetCount], ['running', 1, 4]);
    assert.deepEqual(
      rollout.agents.map((a) => [key(a), a.wave, a.shown, a.previousVersion]),
      [['clinic-a/xr-1', 0, 'pending', '1.0.0']],
    );
    const desired = lastSentTo(AGENTS[0]!)!;
    assert.equal(desired.version, '1.1.0');
    assert.equal(desired.rolloutId, rollout.id);
    assert.equal(desired.sha256, (await hub.models.get('1.1.0'))?.sha256);
    assert.match(
      desired.url,
      /^https:\/\/hub\.example\.org\/cxr\/api\/models\/1\.1\.0\/package\.tar\?agent=clinic-a\/xr-1&token=[0-9a-f]{64}$/,
    );

    await report(AGENTS[0]!, {
      rolloutId: rollout.id,
      version: '1.1.0',
      state: 'downloading',
      bytes: 10,
      totalBytes: 100,
    });
    assert.equal((await get(rollout.id)).wavesIssued, 1, 'no next wave while the canary downloads');
    await report(AGENTS[0]!, { rolloutId: rollout.id, version: '1.1.0', state: 'active', activeVersion: '1.1.0' });
    const second = await get(rollout.id);
    assert.equal(second.wavesIssued, 2);
    assert.deepEqual(
      second.agents.map((a) => [key(a), a.wave, a.shown]),
      [
        ['clinic-a/xr-1', 0, 'active'],
        ['clinic-b/xr-1', 1, 'pending'],
      ],
      '50% of 4 = 2: the online agent first',
    );
    await report(AGENTS[2]!, { version: '1.1.0', state: 'active' }); // without rolloutId: matched by version
    const third = await get(rollout.id);
    assert.equal(third.wavesIssued, 3);
    assert.deepEqual(third.counts, { active: 2, offline: 2 }, 'offline agents show as offline');
    assert.equal(third.status, 'completed', 'the last wave has only offline agents: done; they converge later');
    assert.equal(lastSentTo(AGENTS[3]!)?.version, '1.1.0', 'offline agents got the retained desired anyway');

    const actions = await auditActions(rollout.id);
    assert.deepEqual(actions, [
      'boss:rollout.start',
      'hub:rollout.wave',
      'hub:rollout.wave',
      'hub:rollout.wave',
      'hub:rollout.completed',
    ]);
  });

  it('refuses a second rollout for agents in a running one, unknown targets and a bad request', async () => {
    const first = (
      await post('/api/rollouts', { version: '1.2.0', target: { sites: ['clinic-a'] }, waitS: 3600 })
    ).json() as RolloutBody;
    assert.equal(first.status, 'running');
    const conflict = await post('/api/rollouts', { alias: 'nope', target: { all: true } });
    assert.equal((conflict.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_MODEL_NOT_FOUND');
    const busy = await post('/api/rollouts', { version: '1.2.0', target: { agents: ['clinic-a/xr-2'] } });
    assert.equal(busy.statusCode, 409);
    assert.equal((busy.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_ROLLOUT_CONFLICT');
    const unknown = await post('/api/rollouts', { version: '1.2.0', target: { sites: ['clinic-z'] } });
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN');
    const both = await post('/api/rollouts', { version: '1.2.0', alias: 'x', target: { all: true } });
    assert.equal(both.statusCode, 400);
    const badWave = await post('/api/rollouts', { version: '1.2.0', target: { all: true }, waves: [{ percent: 0 }] });
    assert.equal(badWave.statusCode, 400);

    // Pause, resume, abort on the running one.
    assert.equal((await post(`/api/rollouts/${first.id}/pause`, {}, rad)).statusCode, 403, 'admin only');
    const noCsrf = await hub.app.inject({
      method: 'POST',
      url: `/api/rollouts/${first.id}/pause`,
      headers: { cookie: admin.cookie },
    });
    assert.equal(noCsrf.statusCode, 403);
    const paused = (await post(`/api/rollouts/${first.id}/pause`)).json() as RolloutBody;
    assert.deepEqual([paused.status, paused.reason], ['paused', 'paused by boss']);
    assert.equal((await post(`/api/rollouts/${first.id}/pause`)).statusCode, 409);
    await report(AGENTS[0]!, { rolloutId: first.id, version: '1.2.0', state: 'active' });
    assert.equal((await get(first.id)).wavesIssued, 1, 'no waves while paused');
    assert.equal(((await post(`/api/rollouts/${first.id}/resume`)).json() as RolloutBody).status, 'running');
    const aborted = (await post(`/api/rollouts/${first.id}/abort`)).json() as RolloutBody;
    assert.equal(aborted.status, 'aborted');
    assert.equal((await post(`/api/rollouts/${first.id}/abort`)).statusCode, 409);
    const missing = await post('/api/rollouts/r-nothere/abort');
    assert.equal(missing.statusCode, 404);
    const actions = await auditActions(first.id);
    assert.deepEqual(
      actions.filter((a) => a.startsWith('boss:')),
      ['boss:rollout.start', 'boss:rollout.pause', 'boss:rollout.resume', 'boss:rollout.abort'],
    );
  });

  it('aborts by itself on a failed canary and sends the canary its previous version', async () => {
    await status(AGENTS[0]!, '1.2.0'); // clinic-a/xr-1 now runs 1.2.0 (activated above)
    const rollout = (
      await post('/api/rollouts', { version: '1.1.0', target: { agents: ['clinic-a/xr-1', 'clinic-b/xr-1'] } })
    ).json() as RolloutBody;
    assert.equal(lastSentTo(AGENTS[0]!)?.version, '1.1.0');
    await report(AGENTS[0]!, {
      rolloutId: rollout.id,
      version: '1.1.0',
      state: 'failed',
      code: 'CXR_ERR_MODEL_SELFTEST_FAILED',
    });
    const after = await get(rollout.id);
    assert.equal(after.status, 'aborted');
    assert.match(after.reason ?? '', /abort threshold: 1 of 1 failed/);
    assert.deepEqual(
      after.agents.map((a) => [key(a), a.shown, a.code, a.revertVersion]),
      [['clinic-a/xr-1', 'reverting', 'CXR_ERR_MODEL_SELFTEST_FAILED', '1.2.0']],
    );
    const back = lastSentTo(AGENTS[0]!)!;
    assert.deepEqual([back.version, back.rolloutId], ['1.2.0', rollout.id]);
    assert.notEqual(lastSentTo(AGENTS[2]!)?.version, undefined);
    assert.equal(lastSentTo(AGENTS[2]!)?.rolloutId === rollout.id, false, 'the second wave was never issued');
    await report(AGENTS[0]!, { rolloutId: rollout.id, version: '1.2.0', state: 'active' });
    assert.equal((await get(rollout.id)).agents[0]?.shown, 'reverted');
    assert.deepEqual((await auditActions(rollout.id)).at(-1), 'hub:rollout.auto-abort');
  });

  it('rolls a completed rollout back, and reports an agent whose previous version is not in the registry', async () => {
    await status(AGENTS[1]!, '0.9.0');
    await status(AGENTS[2]!, '1.1.0'); // clinic-b/xr-1 took 1.1.0 up in the first rollout
    const rollout = (
      await post('/api/rollouts', {
        version: '1.2.0',
        target: { agents: ['clinic-a/xr-2', 'clinic-b/xr-1'] },
        waves: [{ percent: 100 }],
      })
    ).json() as RolloutBody;
    await report(AGENTS[1]!, { rolloutId: rollout.id, version: '1.2.0', state: 'active' });
    await report(AGENTS[2]!, { rolloutId: rollout.id, version: '1.2.0', state: 'active' });
    assert.equal((await get(rollout.id)).status, 'completed');
    const rolled = (await post(`/api/rollouts/${rollout.id}/rollback`)).json() as RolloutBody;
    assert.equal(rolled.status, 'rolled-back');
    assert.deepEqual(
      rolled.agents.map((a) => [key(a), a.shown, a.code]),
      [
        ['clinic-a/xr-2', 'rollback-impossible', 'CXR_ERR_HUB_ROLLBACK_IMPOSSIBLE'],
        ['clinic-b/xr-1', 'reverting', null],
      ],
    );
    assert.deepEqual([lastSentTo(AGENTS[2]!)?.version, lastSentTo(AGENTS[1]!)?.version], ['1.1.0', '1.2.0']);
    const list = (await hub.app.inject({ url: '/api/rollouts', headers: { cookie: rad.cookie } })).json() as {
      rollouts: RolloutBody[];
    };
    assert.equal(list.rollouts[0]?.id, rollout.id, 'newest first');
  });
});
