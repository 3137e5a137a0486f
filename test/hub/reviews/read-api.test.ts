/**
 * The worklist's triage semantics and the read, addendum and claim rules through the HTTP API (app.inject on a
 * built hub; results dispatched into ingest as agents send them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../hub/auth/password.ts';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import type { ResultMessage } from '../../../protocol/messages.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../fixtures.ts';
import { codeOf, type InjectUser, injectLogin } from '../inject-session.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const CLASSES = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
const FINDINGS = ['Lung Opacity', 'No Lung Opacity / Not Normal'];
const POINTS = {
  'Lung Opacity': { threshold: 0.2, urgentThreshold: 0.8 },
  'No Lung Opacity / Not Normal': { threshold: 0.5 },
  Normal: { threshold: 0.28 },
};

/** A result as a real agent on the seed's three classes sends it (triage by models/triage). */
async function film(lo: number, normal: number, extra: Partial<ResultMessage> = {}): Promise<ResultMessage> {
  const findings = lo >= 0.2 ? ['Lung Opacity'] : [];
  const tier = lo >= 0.8 ? 'urgent' : lo >= 0.2 ? 'abnormal' : normal >= 0.28 ? 'likely-normal' : 'indeterminate';
  return resultMessage({
    classes: CLASSES,
    probabilities: { 'Lung Opacity': lo, Normal: normal, 'No Lung Opacity / Not Normal': 0.01 },
    flags: findings,
    triage: {
      tier,
      score: lo,
      findings,
      urgentFindings: lo >= 0.8 ? ['Lung Opacity'] : [],
      findingClasses: FINDINGS,
      normalClass: 'Normal',
      operatingPoints: POINTS,
    },
    ...extra,
  });
}

describe('worklist triage, reads, addenda and claims (API)', () => {
  let hub: BuiltHub;
  let rad: InjectUser;
  let rad2: InjectUser;
  let boss: InjectUser;

  const ingest = async (...messages: ResultMessage[]) => {
    for (const m of messages) hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(m)));
    await hub.resultHandler.drain();
    return messages.map((m) => m.resultId);
  };

  before(async () => {
    const config = hubConfig({
      users: [
        { username: 'rad', role: 'radiologist', passwordHash: hashPassword(PASSWORDS.radiologist) },
        { username: 'rad2', role: 'radiologist', passwordHash: hashPassword(PASSWORDS.radiologist) },
        { username: 'boss', role: 'admin', passwordHash: hashPassword(PASSWORDS.admin) },
      ],
    });
    hub = await buildHub({ config });
    rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
    rad2 = await injectLogin(hub, 'rad2', PASSWORDS.radiologist);
    boss = await injectLogin(hub, 'boss', PASSWORDS.admin);
  });
  after(() => hub.close());

  it('orders by tier, then score, then waiting: opacities above normal films, never "Normal" as a finding', async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const ids = await ingest(
      await film(0.05, 0.95), // likely normal, confident
      await film(0.63, 0.28), // abnormal 63 %
      await film(0.97, 0.01), // urgent 97 %
      await film(0.15, 0.1), // indeterminate
      await film(0.63, 0.2, { acquiredAt: old }), // abnormal 63 %, waiting longer
    );
    const page = (await rad.get('/api/worklist?limit=50')).json() as {
      items: { resultId: string; tier: string; findings: string[]; arrivedAt: string; acquired: boolean }[];
    };
    const order = page.items.filter((i) => ids.includes(i.resultId)).map((i) => ids.indexOf(i.resultId));
    assert.deepEqual(order, [2, 4, 1, 3, 0]);
    assert.ok(page.items.every((i) => !i.findings.includes('Normal')));
    const calm = page.items.find((i) => i.resultId === ids[0]);
    assert.deepEqual(calm?.findings, []);
    assert.equal(calm?.tier, 'likely-normal');
    assert.equal(page.items.find((i) => i.resultId === ids[4])?.acquired, true);
    const flagged = (await rad.get('/api/worklist?flagged=true&limit=50')).json() as { items: { tier: string }[] };
    assert.ok(flagged.items.length >= 3 && flagged.items.every((i) => ['urgent', 'abnormal'].includes(i.tier)));
    const urgent = (await rad.get('/api/worklist?tier=urgent')).json() as { items: { resultId: string }[] };
    assert.deepEqual(
      urgent.items.map((i) => i.resultId),
      [ids[2]],
    );
    assert.equal(codeOf(await rad.get('/api/worklist?tier=scary')), 'CXR_ERR_HUB_BAD_REQUEST');
    const newest = (await rad.get('/api/worklist?sort=newest&limit=50')).json() as { items: { arrivedAt: string }[] };
    const times = newest.items.map((i) => i.arrivedAt);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  it('triages a result from an agent older than the triage policy by its own flags', async () => {
    const legacy = await resultMessage({
      classes: CLASSES,
      probabilities: { 'Lung Opacity': 0.1, Normal: 0.93, 'No Lung Opacity / Not Normal': 0.02 },
      flags: ['Normal'],
    });
    const { triage: _dropped, ...withoutTriage } = legacy;
    const [id] = await ingest(withoutTriage as ResultMessage);
    const study = (await rad.get(`/api/studies/${id}`)).json() as {
      tier: string;
      findings: string[];
      normalClass: string;
    };
    assert.deepEqual([study.tier, study.findings, study.normalClass], ['likely-normal', [], 'Normal']);
  });

  it('refuses an empty read (422, naming what is missing) and a normal read with a finding', async () => {
    const [id] = await ingest(await film(0.5, 0.3));
    const empty = await rad.send('POST', `/api/studies/${id}/reads`, { decisions: {}, impression: '', basedOn: 0 });
    assert.equal(empty.statusCode, 422);
    const body = empty.json() as { error: { code: string; classes: string[] } };
    assert.equal(body.error.code, 'CXR_ERR_HUB_READ_INCOMPLETE');
    assert.deepEqual(body.error.classes, FINDINGS);
    const inconsistent = await rad.send('POST', `/api/studies/${id}/reads`, {
      decisions: { 'Lung Opacity': 'present', 'No Lung Opacity / Not Normal': 'absent' },
      impression: 'Normal.',
      normal: true,
      basedOn: 0,
    });
    assert.equal(codeOf(inconsistent), 'CXR_ERR_HUB_READ_INCONSISTENT');
    const study = (await rad.get(`/api/studies/${id}`)).json() as { status: string; reads: unknown[] };
    assert.deepEqual([study.status, study.reads.length], ['unread', 0]);
  });

  it('signs a read and an addendum; the original is kept; a stale addendum is refused; both are audited', async () => {
    const [id] = await ingest(await film(0.7, 0.1));
    const decisions = { 'Lung Opacity': 'present', 'No Lung Opacity / Not Normal': 'absent' };
    const v1 = await rad.send('POST', `/api/studies/${id}/reads`, {
      decisions,
      impression: 'RLL consolidation.',
      agreedWithAi: true,
      basedOn: 0,
    });
    assert.equal(v1.statusCode, 201);
    const stale = await rad2.send('POST', `/api/studies/${id}/reads`, { decisions, impression: 'Me too.', basedOn: 0 });
    assert.equal(stale.statusCode, 409);
    assert.equal(codeOf(stale), 'CXR_ERR_HUB_READ_CONFLICT');
    const v2 = await rad2.send('POST', `/api/studies/${id}/reads`, {
      decisions: { ...decisions, 'No Lung Opacity / Not Normal': 'present' },
      impression: 'Addendum: also a small left effusion.',
      basedOn: 1,
    });
    assert.equal(v2.statusCode, 201);
    const study = (await rad.get(`/api/studies/${id}`)).json() as {
      status: string;
      signedAt: string;
      turnaroundS: number;
      reads: { version: number; reader: string; impression: string; agreedWithAi: boolean }[];
      history: { action: string; actor: string }[];
    };
    assert.equal(study.status, 'reviewed');
    assert.ok(study.turnaroundS >= 0);
    assert.deepEqual(
      study.reads.map((r) => [r.version, r.reader, r.agreedWithAi]),
      [
        [1, 'rad', true],
        [2, 'rad2', false],
      ],
    );
    assert.equal(study.reads[0]?.impression, 'RLL consolidation.');
    assert.deepEqual(
      study.history.filter((h) => h.action.startsWith('read.')).map((h) => [h.action, h.actor]),
      [
        ['read.addendum', 'rad2'],
        ['read.sign', 'rad'],
      ],
    );
  });

  it('shows who is reading a study, refuses others, and takes over only explicitly (audited); an admin releases', async () => {
    const [id] = await ingest(await film(0.4, 0.2));
    const claimed = await rad.send('POST', `/api/studies/${id}/claim`, { takeOver: false });
    assert.equal(claimed.statusCode, 200);
    const list = (await rad2.get('/api/worklist?limit=100')).json() as {
      items: { resultId: string; claim: { by: string } | null }[];
    };
    assert.equal(list.items.find((i) => i.resultId === id)?.claim?.by, 'rad');
    const mine = (await rad.get('/api/worklist?claimed=mine')).json() as { items: { resultId: string }[] };
    assert.deepEqual(
      mine.items.map((i) => i.resultId),
      [id],
    );
    const refused = await rad2.send('POST', `/api/studies/${id}/claim`, { takeOver: false });
    assert.equal(refused.statusCode, 409);
    assert.equal((refused.json() as { error: { code: string; claim: { by: string } } }).error.claim.by, 'rad');
    const decisions = { 'Lung Opacity': 'present', 'No Lung Opacity / Not Normal': 'absent' };
    const signRefused = await rad2.send('POST', `/api/studies/${id}/reads`, { decisions, impression: 'x', basedOn: 0 });
    assert.equal(codeOf(signRefused), 'CXR_ERR_HUB_STUDY_CLAIMED');
    const taken = await rad2.send('POST', `/api/studies/${id}/claim`, { takeOver: true });
    assert.equal((taken.json() as { by: string }).by, 'rad2');
    const released = await boss.send('DELETE', `/api/studies/${id}/claim`);
    assert.equal(released.statusCode, 204);
    const audit = (await boss.get(`/api/audit?target=${id}`)).json() as {
      entries: { action: string; actor: string; source: string; before: { claim: { by: string } } }[];
    };
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.actor]),
      [
        ['claim.release', 'boss'],
        ['claim.takeover', 'rad2'],
      ],
    );
    assert.equal(audit.entries[1]?.before.claim.by, 'rad');
    assert.equal(audit.entries[1]?.source, '127.0.0.1');
  });

  it('counts agreement from explicit decisions and gives the dashboard its site settings', async () => {
    const stats = (await rad.get('/api/stats')).json() as {
      sites: { site: string; flagged: number; tiers: Record<string, number>; turnaround: { reads: number } }[];
      agreement: { class: string; reads: number }[];
    };
    const site = stats.sites.find((s) => s.site === 'clinic-a');
    assert.ok(site && site.flagged === site.tiers.urgent! + site.tiers.abnormal!);
    assert.ok((site?.turnaround.reads ?? 0) >= 1);
    assert.ok(stats.agreement.every((a) => a.class !== 'Normal'));
    const session = (await rad.get('/api/session')).json() as {
      settings: { activationDefault: string; claimTimeoutS: number };
    };
    assert.deepEqual(session.settings, { activationDefault: 'off', claimTimeoutS: 600 });
  });
});
