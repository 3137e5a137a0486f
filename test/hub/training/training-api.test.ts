/**
 * The training feature through the HTTP API (app.inject on a built hub): the queue (admin creates and cancels, a
 * trainer claims one job at a time, reports progress that builds the curves, finishes), trainer tokens kept apart
 * from dashboard sessions, a silent trainer's job going back to the queue, a restarted trainer resuming its own job,
 * the training data (latest read version only, pseudonymous patient keys, pixels) and a candidate published with
 * its report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../hub/auth/password.ts';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { signSiteCalibration } from '../../../models/triage/site-calibration.ts';
import type { ResultMessage } from '../../../protocol/messages.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { resultMessage } from '../fixtures.ts';
import { codeOf, type InjectUser, injectLogin } from '../inject-session.ts';
import { PUBLISHER_KEYS, packageTar, registryHubConfig } from '../registry-fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const TRAINER_PASSWORD = 'trainer-password-for-tests';

interface Job {
  id: string;
  status: string;
  attempt: number;
  trainer: string | null;
  history: { epoch: number; loss: number; valAuroc: Record<string, number | null> }[];
  progress: { phase: string; etaS?: number } | null;
  result: Record<string, unknown> | null;
}

describe('training queue, trainer API and training data', () => {
  let hub: BuiltHub;
  let rad: InjectUser;
  let boss: InjectUser;
  let clock = Date.parse('2026-03-01T10:00:00Z');

  const trainer = async (name = 'gpu-1') => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/trainer/session',
      payload: { name, password: TRAINER_PASSWORD },
    });
    assert.equal(response.statusCode, 200, response.body);
    const { token } = response.json() as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    return {
      post: (url: string, payload: unknown = {}) =>
        hub.app.inject({ method: 'POST', url, headers, payload: payload as object }),
      get: (url: string) => hub.app.inject({ url, headers }),
      raw: (url: string, body: Buffer, type: string) =>
        hub.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': type }, payload: body }),
    };
  };

  const ingest = async (message: ResultMessage) => {
    hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.resultHandler.drain();
    return message.resultId;
  };
  const sign = async (resultId: string, effusion: 'present' | 'absent', basedOn = 0) => {
    const response = await rad.send('POST', `/api/studies/${resultId}/reads`, {
      decisions: { Atelectasis: 'absent', Effusion: effusion, Pneumonia: 'absent' },
      impression: effusion === 'present' ? 'effusion' : 'clear',
      normal: effusion === 'absent',
      agreedWithAi: false,
      basedOn,
    });
    assert.equal(response.statusCode, 201, response.body);
  };

  before(async () => {
    const config = registryHubConfig({
      trainers: [
        { name: 'gpu-1', passwordHash: hashPassword(TRAINER_PASSWORD) },
        { name: 'gpu-2', passwordHash: hashPassword(TRAINER_PASSWORD) },
      ],
      training: { heartbeatTimeoutS: 60 },
    });
    hub = await buildHub({ config, now: () => new Date(clock) });
    rad = await injectLogin(hub, 'rad', 'read-all-day');
    boss = await injectLogin(hub, 'boss', 'keeps-the-keys');
  });
  after(() => hub.close());

  it('keeps trainer tokens and dashboard sessions apart', async () => {
    const wrong = await hub.app.inject({
      method: 'POST',
      url: '/api/trainer/session',
      payload: { name: 'gpu-1', password: 'nope' },
    });
    assert.equal(wrong.statusCode, 401);
    const asDashboard = await hub.app.inject({
      method: 'POST',
      url: '/api/trainer/jobs/claim',
      headers: { cookie: boss.cookie, 'x-csrf-token': boss.csrf },
    });
    assert.equal(asDashboard.statusCode, 401);
    const t = await trainer();
    const asTrainer = await t.get('/api/training/jobs');
    assert.equal(asTrainer.statusCode, 401);
    assert.equal((await rad.send('POST', '/api/training/jobs', { kind: 'fine-tune' })).statusCode, 403);
  });

  it('queues jobs, hands out one at a time, records progress as curves, cancels at the next report', async () => {
    const created = await boss.send('POST', '/api/training/jobs', {
      kind: 'fine-tune',
      site: 'clinic-a',
      params: { epochs: 3 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const job = created.json() as Job;
    assert.equal(job.status, 'queued');
    const noSite = await boss.send('POST', '/api/training/jobs', { kind: 'recalibrate' });
    assert.equal(codeOf(noSite), 'CXR_ERR_HUB_TRAINING_JOB_INVALID');
    const second = (
      await boss.send('POST', '/api/training/jobs', { kind: 'recalibrate', site: 'clinic-a' })
    ).json() as Job;

    const t1 = await trainer('gpu-1');
    const t2 = await trainer('gpu-2');
    const claimed = (await t1.post('/api/trainer/jobs/claim')).json() as { job: Job };
    assert.equal(claimed.job.id, job.id, 'oldest first');
    assert.equal(claimed.job.status, 'running');
    const again = (await t1.post('/api/trainer/jobs/claim')).json() as { job: Job };
    assert.equal(again.job.id, job.id, 'a trainer that claims again gets its own job back (resume)');
    assert.equal(again.job.attempt, 2);
    const other = (await t2.post('/api/trainer/jobs/claim')).json() as { job: Job };
    assert.equal(other.job.id, second.id, 'another trainer takes the next job');

    for (const epoch of [1, 2, 2]) {
      const r = await t1.post(`/api/trainer/jobs/${job.id}/progress`, {
        phase: 'train',
        epoch,
        epochs: 3,
        loss: 1 / epoch,
        valAuroc: { Effusion: 0.6 + epoch / 10, Atelectasis: null },
        etaS: 30,
      });
      assert.deepEqual(r.json(), { status: 'running', cancel: false });
    }
    const stolen = await t2.post(`/api/trainer/jobs/${job.id}/progress`, { phase: 'train' });
    assert.equal(codeOf(stolen), 'CXR_ERR_HUB_TRAINING_JOB_STATE');
    const seen = (await rad.get(`/api/training/jobs/${job.id}`)).json() as Job;
    assert.deepEqual(
      seen.history.map((p) => p.epoch),
      [1, 2],
      'a re-reported epoch replaces the earlier point',
    );
    assert.equal(seen.history[1]?.valAuroc.Effusion, 0.8);
    assert.equal(seen.progress?.etaS, 30);

    const cancelled = (await boss.send('POST', `/api/training/jobs/${job.id}/cancel`)).json() as Job;
    assert.equal(cancelled.status, 'cancelling');
    const told = (await t1.post(`/api/trainer/jobs/${job.id}/heartbeat`)).json() as { cancel: boolean };
    assert.equal(told.cancel, true);
    const ended = (
      await t1.post(`/api/trainer/jobs/${job.id}/fail`, { error: { code: 'CXR_ERR_TRAINER_CANCELLED', message: 'x' } })
    ).json() as Job;
    assert.equal(ended.status, 'cancelled');
    const done = (
      await t2.post(`/api/trainer/jobs/${second.id}/complete`, { result: { calibration: 1 } })
    ).json() as Job;
    assert.equal(done.status, 'succeeded');
    assert.equal(
      codeOf(await boss.send('POST', `/api/training/jobs/${second.id}/cancel`)),
      'CXR_ERR_HUB_TRAINING_JOB_STATE',
    );
    const audit = (await boss.get('/api/audit?limit=100')).json() as { entries: { action: string }[] };
    const actions = audit.entries.map((e) => e.action);
    for (const a of [
      'training.job.create',
      'training.job.cancel',
      'training.job.cancelled',
      'training.job.succeeded',
    ]) {
      assert.ok(actions.includes(a), a);
    }
  });

  it("gives a silent trainer's job to the next trainer", async () => {
    const job = (await boss.send('POST', '/api/training/jobs', { kind: 'search' })).json() as Job;
    const t1 = await trainer('gpu-1');
    const t2 = await trainer('gpu-2');
    assert.equal(((await t1.post('/api/trainer/jobs/claim')).json() as { job: Job }).job.id, job.id);
    assert.equal(((await t2.post('/api/trainer/jobs/claim')).json() as { job: Job | null }).job, null);
    clock += 61_000;
    const taken = ((await t2.post('/api/trainer/jobs/claim')).json() as { job: Job }).job;
    assert.equal(taken.id, job.id);
    assert.equal(taken.trainer, 'gpu-2');
    assert.equal(codeOf(await t1.post(`/api/trainer/jobs/${job.id}/heartbeat`)), 'CXR_ERR_HUB_TRAINING_JOB_STATE');
    await t2.post(`/api/trainer/jobs/${job.id}/complete`, { result: {} });
  });

  it('serves signed reads (latest version, patient key) and their pixels to trainers only', async () => {
    const first = await ingest(
      await resultMessage({ keys: { image: 'a1'.repeat(16), study: 'b2'.repeat(16), patient: 'c3'.repeat(16) } }),
    );
    const second = await ingest(await resultMessage());
    await ingest(await resultMessage()); // unread: not training data
    await sign(first, 'present');
    await sign(first, 'absent', 1); // addendum wins
    await sign(second, 'present');
    const t = await trainer();
    const page = (await t.get('/api/trainer/reads?site=clinic-a')).json() as {
      reads: {
        resultId: string;
        readVersion: number;
        patientKey: string;
        decisions: Record<string, string>;
        pixels: { kind: string; sha256: string };
      }[];
    };
    assert.deepEqual(page.reads.map((r) => r.resultId).sort(), [first, second].sort());
    const a = page.reads.find((r) => r.resultId === first)!;
    assert.equal(a.readVersion, 2);
    assert.equal(a.decisions.Effusion, 'absent');
    assert.equal(a.patientKey, 'c3'.repeat(16));
    assert.equal(a.pixels.kind, 'preview');
    const pixels = await t.get(`/api/trainer/reads/${first}/pixels`);
    assert.equal(pixels.statusCode, 200);
    assert.equal(pixels.headers['content-type'], 'image/jpeg');
    assert.equal(pixels.headers.etag, `"${a.pixels.sha256}"`);
    assert.equal(pixels.rawPayload.subarray(0, 2).toString('hex'), 'ffd8');
    assert.equal((await rad.get('/api/trainer/reads')).statusCode, 401);
  });

  it("publishes the job's candidate (verified, alias candidate) and keeps its report", async () => {
    const job = (await boss.send('POST', '/api/training/jobs', { kind: 'fine-tune' })).json() as Job;
    const t = await trainer();
    assert.equal(((await t.post('/api/trainer/jobs/claim')).json() as { job: Job }).job.id, job.id);
    const published = await t.raw(
      `/api/trainer/jobs/${job.id}/candidate`,
      await packageTar('1.1.0-ft.1'),
      'application/x-tar',
    );
    assert.equal(published.statusCode, 201, published.body);
    const models = (await rad.get('/api/models')).json() as { aliases: { alias: string; version: string }[] };
    assert.deepEqual(models.aliases.find((x) => x.alias === 'candidate')?.version, '1.1.0-ft.1');
    const report = await t.raw(
      `/api/trainer/jobs/${job.id}/report?version=1.1.0-ft.1`,
      Buffer.from('<!doctype html><title>eval</title><p>AUROC</p>'),
      'text/html',
    );
    assert.equal(report.statusCode, 204, report.body);
    const served = await rad.get('/api/training/reports/1.1.0-ft.1');
    assert.equal(served.statusCode, 200);
    const forged = await t.raw(`/api/trainer/jobs/${job.id}/candidate`, Buffer.from('not a tar'), 'application/x-tar');
    assert.equal(forged.statusCode, 400);
    const done = await t.post(`/api/trainer/jobs/${job.id}/complete`, { result: { candidate: '1.1.0-ft.1' } });
    assert.equal((done.json() as Job).status, 'succeeded');
  });

  it('stores signed site calibrations as versions, refuses untrusted ones and rolls a site back', async () => {
    const job = (
      await boss.send('POST', '/api/training/jobs', { kind: 'recalibrate', site: 'clinic-a' })
    ).json() as Job;
    const t = await trainer();
    assert.equal(((await t.post('/api/trainer/jobs/claim')).json() as { job: Job }).job.id, job.id);
    const calibration = (threshold: number, site = 'clinic-a') => ({
      site,
      modelName: 'tiny-densenet',
      modelVersion: '1.0.0',
      thresholds: { Effusion: { threshold, chosenOn: 'sensitivity 0.9 on 40 site reads', targetSensitivity: 0.9 } },
      reads: 40,
      createdAt: new Date(clock).toISOString(),
    });
    const untrusted = await t.post(
      `/api/trainer/jobs/${job.id}/calibration`,
      signSiteCalibration(calibration(0.3), generateKeyPair().privateKeyPem),
    );
    assert.equal(codeOf(untrusted), 'CXR_ERR_CALIBRATION_UNTRUSTED');
    const otherSite = await t.post(
      `/api/trainer/jobs/${job.id}/calibration`,
      signSiteCalibration(calibration(0.3, 'clinic-b'), PUBLISHER_KEYS.privateKeyPem),
    );
    assert.equal(codeOf(otherSite), 'CXR_ERR_CALIBRATION_INVALID');
    for (const threshold of [0.3, 0.25]) {
      const r = await t.post(
        `/api/trainer/jobs/${job.id}/calibration`,
        signSiteCalibration(calibration(threshold), PUBLISHER_KEYS.privateKeyPem),
      );
      assert.equal(r.statusCode, 201, r.body);
    }
    const listed = (await rad.get('/api/training/calibrations?site=clinic-a')).json() as {
      calibrations: { version: number; current: boolean }[];
    };
    assert.deepEqual(
      listed.calibrations.map((c) => [c.version, c.current]),
      [
        [2, true],
        [1, false],
      ],
    );
    const back = await boss.send('POST', '/api/training/calibrations/clinic-a/current', { version: 1 });
    assert.deepEqual(back.json(), { before: 2, after: 1 });
    const now = (await rad.get('/api/training/calibrations?site=clinic-a')).json() as {
      calibrations: { version: number; current: boolean }[];
    };
    assert.equal(now.calibrations.find((c) => c.current)?.version, 1);
  });
});
