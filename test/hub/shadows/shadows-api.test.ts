/**
 * Live shadows through `app.inject` on a built hub, agents' status and results (with the candidate's `shadow` output)
 * fed into ingest via `dispatch`, every `model/desired` captured: start (admin only, one shadow per site), the
 * desired message keeps each agent's version and carries `liveShadow`, agreement with radiologists per site beside
 * production's (latest read version wins), the stop on its own once the candidate agrees less than production after
 * `minReads` read films (audited, desired messages without the shadow), and the admin's promotion (audited, the
 * staged rollout of the candidate, the shadow ended).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import type { ShadowOutput } from '../../../protocol/messages.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { CLASSES, PASSWORDS, resultMessage } from '../fixtures.ts';
import { agentFeed, codeOf, desiredLog, type InjectUser, injectLogin, publishTiny } from '../inject-session.ts';
import { registryHubConfig } from '../registry-fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-1' };

interface Rate {
  agreed: number;
  rate: number | null;
}
interface ShadowBody {
  id: string;
  version: string;
  status: string;
  endedBy: string | null;
  endReason: string | null;
  rolloutId: string | null;
  reportUrl: string | null;
  agreement: {
    overall: { films: number; reads: number; production: Rate; candidate: Rate };
    sites: { site: string; films: number; reads: number; production: Rate; candidate: Rate }[];
    productionVersions: string[];
  };
}

const shadowOf = (flags: string[]): ShadowOutput => ({
  version: '2.0.0',
  probabilities: Object.fromEntries(CLASSES.map((c) => [c, flags.includes(c) ? 0.8 : 0.1])),
  flags,
  tier: flags.length > 0 ? 'abnormal' : 'likely-normal',
  score: flags.length > 0 ? 0.8 : 0.1,
});

describe('live shadows API (inject)', () => {
  let hub: BuiltHub;
  const desired = desiredLog();
  let admin: InjectUser;
  let rad: InjectUser;

  const film = async (production: string[], candidate: string[]) => {
    const message = await resultMessage({
      ...A,
      flags: production,
      probabilities: Object.fromEntries(CLASSES.map((c) => [c, production.includes(c) ? 0.8 : 0.1])),
      shadow: shadowOf(candidate),
    });
    hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.drain();
    return message.resultId;
  };
  const read = async (resultId: string, present: string[], basedOn = 0) => {
    const signed = await rad.send('POST', `/api/studies/${resultId}/reads`, {
      decisions: Object.fromEntries(CLASSES.map((c) => [c, present.includes(c) ? 'present' : 'absent'])),
      impression: present.length > 0 ? present.join(', ') : 'normal',
      normal: present.length === 0,
      agreedWithAi: false,
      basedOn,
    });
    assert.equal(signed.statusCode, 201, signed.body);
    await hub.drain();
  };
  const shadow = async (id: string) => (await rad.get(`/api/shadows/${id}`)).json() as ShadowBody;
  const actions = async (id: string) =>
    (
      (await admin.get(`/api/audit?target=${id}&limit=50`)).json() as { entries: { action: string; actor: string }[] }
    ).entries
      .map((e) => `${e.actor}:${e.action}`)
      .reverse();

  before(async () => {
    hub = await buildHub({
      config: registryHubConfig({ rollout: { waitS: 0, evaluateIntervalS: 0.2, shadowMinReads: 3 } }, [A, B]),
      publishDesired: desired.sink,
    });
    admin = await injectLogin(hub, 'boss', PASSWORDS.admin);
    rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
    await publishTiny(hub, '1.0.0', 1);
    await publishTiny(hub, '2.0.0', 2);
    const feed = agentFeed(hub);
    await feed.status(A, '1.0.0');
    await feed.status(B, '1.0.0');
  });
  after(async () => {
    await hub?.close();
  });

  it('starts a shadow at chosen sites: admins only, one per site, each agent keeps its version', async () => {
    const refused = await rad.send('POST', '/api/shadows', { version: '2.0.0', sites: ['clinic-a'] });
    assert.equal(refused.statusCode, 403);
    const unknown = await admin.send('POST', '/api/shadows', { version: '2.0.0', sites: ['nowhere'] });
    assert.equal(codeOf(unknown), 'CXR_ERR_HUB_ROLLOUT_TARGET_UNKNOWN');
    const started = await admin.send('POST', '/api/shadows', { version: '2.0.0', sites: ['clinic-a'] });
    assert.equal(started.statusCode, 201, started.body);
    const body = started.json() as ShadowBody;
    assert.equal(body.status, 'running');
    assert.equal(body.reportUrl, null, 'no evaluation report stored for a hand-published package');
    const toA = desired.last(A);
    assert.equal(toA?.version, '1.0.0', 'production stays active');
    assert.equal(toA?.liveShadow?.version, '2.0.0');
    assert.equal(toA?.liveShadow?.shadowId, body.id);
    assert.match(toA?.liveShadow?.url ?? '', /\/api\/models\/2\.0\.0\/package\.tar\?agent=clinic-a\/xr-1&token=/);
    assert.equal(desired.last(B), undefined, 'another site is not touched');
    const again = await admin.send('POST', '/api/shadows', { alias: 'none', sites: ['clinic-a'] });
    assert.equal(codeOf(again), 'CXR_ERR_HUB_MODEL_NOT_FOUND');
    const twice = await admin.send('POST', '/api/shadows', { version: '2.0.0', sites: ['clinic-a'] });
    assert.equal(twice.statusCode, 409);
    assert.equal(codeOf(twice), 'CXR_ERR_HUB_SHADOW_CONFLICT');
    assert.equal((await rad.get('/api/shadows/s-nope')).statusCode, 404);
  });

  it('counts agreement with radiologists beside production, an addendum replacing the read, and stops on its own', async () => {
    const { id } = ((await rad.get('/api/shadows')).json() as { shadows: ShadowBody[] }).shadows[0]!;
    const f1 = await film(['Effusion'], ['Effusion']);
    const f2 = await film([], ['Effusion']);
    await film(['Pneumonia'], []); // scored, never read
    await read(f1, ['Effusion']);
    await read(f2, []);
    let s = await shadow(id);
    assert.deepEqual(s.agreement.overall, {
      films: 3,
      reads: 2,
      production: { agreed: 2, rate: 1 },
      candidate: { agreed: 1, rate: 0.5 },
    });
    assert.equal(s.status, 'running', 'fewer read films than minReads: it keeps running');
    assert.deepEqual(s.agreement.productionVersions, ['1.0.0']);
    await read(f2, ['Effusion'], 1); // an addendum: the radiologist now sees an effusion
    s = await shadow(id);
    assert.deepEqual([s.agreement.overall.production.agreed, s.agreement.overall.candidate.agreed], [1, 2]);
    const f4 = await film(['Effusion'], []);
    await read(f4, ['Effusion']);
    s = await shadow(id);
    assert.equal(s.status, 'running', '3 read films, candidate 2 = production 2: not worse');
    const f5 = await film([], ['Pneumonia']);
    await read(f5, []);
    s = await shadow(id);
    assert.equal(s.status, 'stopped');
    assert.equal(s.endedBy, 'hub');
    assert.match(s.endReason ?? '', /candidate agreed with radiologists on 2 of 4 read films, production on 3/);
    assert.deepEqual(s.agreement.sites.find((x) => x.site === 'clinic-a')?.reads, 4);
    assert.deepEqual(await actions(id), ['boss:shadow.start', 'hub:shadow.auto-stop']);
    const toA = desired.last(A);
    assert.equal(toA?.version, '1.0.0');
    assert.equal(toA?.liveShadow, undefined, 'the agents are told to stop shadowing');
    const stopAgain = await admin.send('POST', `/api/shadows/${id}/stop`);
    assert.equal(codeOf(stopAgain), 'CXR_ERR_HUB_SHADOW_STATE');
  });

  it('promotes on an admin click: the staged rollout of the candidate to every agent, audited', async () => {
    const started = await admin.send('POST', '/api/shadows', { version: '2.0.0', sites: ['clinic-a'], minReads: 100 });
    const { id } = started.json() as ShadowBody;
    assert.equal(desired.last(A)?.liveShadow?.shadowId, id);
    const refused = await rad.send('POST', `/api/shadows/${id}/promote`, {});
    assert.equal(refused.statusCode, 403);
    const promoted = await admin.send('POST', `/api/shadows/${id}/promote`, { waves: [{ percent: 100 }] });
    assert.equal(promoted.statusCode, 200, promoted.body);
    const body = promoted.json() as ShadowBody;
    assert.equal(body.status, 'promoted');
    assert.ok(body.rolloutId);
    const rollout = (await rad.get(`/api/rollouts/${body.rolloutId}`)).json() as {
      version: string;
      targetCount: number;
    };
    assert.equal(rollout.version, '2.0.0');
    for (const agent of [A, B]) {
      assert.equal(desired.last(agent)?.version, '2.0.0');
      assert.equal(desired.last(agent)?.rolloutId, body.rolloutId);
      assert.equal(desired.last(agent)?.liveShadow, undefined);
    }
    assert.deepEqual(await actions(id), ['boss:shadow.start', 'boss:shadow.promote']);
    const twice = await admin.send('POST', `/api/shadows/${id}/promote`, {});
    assert.equal(codeOf(twice), 'CXR_ERR_HUB_SHADOW_STATE');
  });
});
