/**
 * Contract of the training queue and the site calibrations (hub/training/jobs-store.ts, calibrations-store.ts) on
 * SQLite and PostgreSQL. Jobs: created queued in order, listed newest first, claimed oldest first (a trainer's own
 * active job first, a silent trainer's job back to the queue), progress merged into the history, finished or
 * cancelled by the status rules, a trainer that does not hold a job refused — and two trainers claiming at once never
 * share a job. Calibrations: versions 1, 2, … per site, the signed text kept byte for byte, a rollback, and versions
 * added at once all kept. The training-data store has its own file (training-data-store.test.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCalibrationsStore } from '../../../hub/training/calibrations-store.ts';
import { createJobsStore, type TrainingJob } from '../../../hub/training/jobs-store.ts';
import type { SiteCalibration } from '../../../models/triage/site-calibration.ts';
import { describeOnEachEngine } from '../db/engines.ts';

const T0 = Date.parse('2026-11-02T06:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const TIMEOUT = 60_000;
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const newJob = (site: string | null, params: Record<string, unknown> = {}) =>
  ({ kind: 'fine-tune', site, params, createdBy: 'boss' }) as const;

describeOnEachEngine('training jobs store', (fresh) => {
  it('creates queued jobs with their params and lists them newest first', async () => {
    const jobs = createJobsStore(await fresh());
    const params = { epochs: 3, lr: 1e-4, classes: ['Effusion'], note: 'ünïcode ✓', nested: { a: null } };
    const first = await jobs.create(newJob('clinic-a', params), at(0));
    assert.match(first.id, /^j-[0-9a-f]{12}$/);
    const expected: TrainingJob = {
      id: first.id,
      kind: 'fine-tune',
      site: 'clinic-a',
      params,
      status: 'queued',
      createdBy: 'boss',
      createdAt: at(0).toISOString(),
      trainer: null,
      attempt: 0,
      heartbeatMs: null,
      progress: null,
      history: [],
      result: null,
      error: null,
      finishedAt: null,
      updatedAt: at(0).toISOString(),
    };
    assert.deepEqual(first, expected);
    assert.deepEqual(await jobs.get(first.id), expected);
    assert.equal(await jobs.get('j-000000000000'), undefined);
    const second = await jobs.create({ kind: 'recalibrate', site: null, params: {}, createdBy: 'scheduler' }, at(1));
    const third = await jobs.create(newJob('clinic-b'), at(1));
    assert.deepEqual(
      (await jobs.list(10)).map((j) => j.id),
      [third.id, second.id, first.id],
    );
    assert.deepEqual(
      (await jobs.list(2)).map((j) => j.id),
      [third.id, second.id],
    );
  });

  it('claims the oldest queued job; the holder gets its own job back; a silent trainer’s job is requeued', async () => {
    const jobs = createJobsStore(await fresh());
    const a = await jobs.create(newJob('clinic-a'), at(0));
    const b = await jobs.create(newJob('clinic-b'), at(1));
    const c = await jobs.create(newJob('clinic-c'), at(2));
    await jobs.cancel(c.id, at(3));
    const t1 = await jobs.claim('t-1', at(10), TIMEOUT);
    assert.deepEqual(
      [t1?.id, t1?.status, t1?.trainer, t1?.attempt, t1?.heartbeatMs],
      [a.id, 'running', 't-1', 1, T0 + 10_000],
    );
    assert.deepEqual([(await jobs.claim('t-1', at(20), TIMEOUT))?.id, (await jobs.get(a.id))?.attempt], [a.id, 2]);
    assert.equal((await jobs.claim('t-2', at(30), TIMEOUT))?.id, b.id);
    assert.equal(await jobs.claim('t-3', at(40), TIMEOUT), undefined, 'a cancelled job is not claimed');
    // t-1 falls silent; t-2 keeps reporting. t-3 picks up t-1's job.
    await jobs.report(b.id, 't-2', null, at(75));
    const taken = await jobs.claim('t-3', at(81), TIMEOUT);
    assert.deepEqual([taken?.id, taken?.trainer, taken?.attempt], [a.id, 't-3', 3]);
    assert.equal((await jobs.get(b.id))?.trainer, 't-2');
    await assert.rejects(jobs.report(a.id, 't-1', null, at(82)), code('CXR_ERR_HUB_TRAINING_JOB_STATE'));
    // A job being cancelled whose trainer fell silent ends cancelled.
    await jobs.cancel(b.id, at(90));
    await jobs.report(a.id, 't-3', null, at(150));
    assert.equal(await jobs.claim('t-4', at(200), TIMEOUT), undefined);
    assert.deepEqual(
      [(await jobs.get(b.id))?.status, (await jobs.get(b.id))?.finishedAt],
      ['cancelled', at(200).toISOString()],
    );
  });

  it('merges progress into the history, and refuses trainers that do not hold the job', async () => {
    const jobs = createJobsStore(await fresh());
    const job = await jobs.create(newJob('clinic-a'), at(0));
    await assert.rejects(jobs.report(job.id, 't-1', null, at(1)), code('CXR_ERR_HUB_TRAINING_JOB_STATE'));
    await jobs.claim('t-1', at(1), TIMEOUT);
    await assert.rejects(jobs.report(job.id, 't-2', null, at(2)), code('CXR_ERR_HUB_TRAINING_JOB_STATE'));
    await assert.rejects(jobs.report('j-ffffffffffff', 't-1', null, at(2)), code('CXR_ERR_HUB_TRAINING_JOB_NOT_FOUND'));
    const p = (epoch: number, loss: number, s: number) => ({
      phase: 'train',
      epoch,
      epochs: 3,
      loss,
      valAuroc: { Effusion: [0, 0.81, 0.82][epoch] ?? 0, Pneumonia: null },
      at: at(s).toISOString(),
    });
    await jobs.report(job.id, 't-1', p(2, 0.5, 3), at(3));
    await jobs.report(job.id, 't-1', p(1, 0.7, 4), at(4));
    await jobs.report(job.id, 't-1', p(2, 0.4, 5), at(5)); // a resumed job re-reports epoch 2
    const now = await jobs.report(job.id, 't-1', null, at(6));
    assert.deepEqual(now.progress, p(2, 0.4, 5));
    assert.deepEqual(now.history, [
      { epoch: 1, loss: 0.7, valAuroc: { Effusion: 0.81, Pneumonia: null }, at: at(4).toISOString() },
      { epoch: 2, loss: 0.4, valAuroc: { Effusion: 0.82, Pneumonia: null }, at: at(5).toISOString() },
    ]);
    assert.deepEqual([now.heartbeatMs, now.updatedAt], [T0 + 6000, at(6).toISOString()]);
  });

  it('finishes with a result or an error, and cancels by status', async () => {
    const jobs = createJobsStore(await fresh());
    const ok = await jobs.create(newJob('a'), at(0));
    const bad = await jobs.create(newJob('b'), at(1));
    const stopped = await jobs.create(newJob('c'), at(2));
    const queued = await jobs.create(newJob('d'), at(3));
    for (const t of ['t-1', 't-2', 't-3']) await jobs.claim(t, at(5), TIMEOUT);
    const done = await jobs.finish(ok.id, 't-1', { result: { auroc: 0.91, version: '1.1.0' } }, at(9));
    assert.deepEqual(
      [done.status, done.result, done.error, done.finishedAt],
      ['succeeded', { auroc: 0.91, version: '1.1.0' }, null, at(9).toISOString()],
    );
    const failed = await jobs.finish(bad.id, 't-2', { error: { code: 'CXR_ERR_X', message: 'm'.repeat(3000) } }, at(9));
    assert.deepEqual(
      [failed.status, failed.result, failed.error],
      ['failed', null, { code: 'CXR_ERR_X', message: 'm'.repeat(2000) }],
    );
    await assert.rejects(jobs.finish(ok.id, 't-1', { result: {} }, at(10)), code('CXR_ERR_HUB_TRAINING_JOB_STATE'));

    assert.deepEqual((await jobs.cancel(stopped.id, at(11))).before, 'running');
    assert.equal((await jobs.get(stopped.id))?.status, 'cancelling');
    const ended = await jobs.finish(stopped.id, 't-3', { result: { auroc: 0.5 } }, at(12));
    assert.deepEqual([ended.status, ended.finishedAt], ['cancelled', at(12).toISOString()]);
    const cancelled = await jobs.cancel(queued.id, at(13));
    assert.deepEqual(
      [cancelled.before, cancelled.job.status, cancelled.job.finishedAt],
      ['queued', 'cancelled', at(13).toISOString()],
    );
    await assert.rejects(jobs.cancel(ok.id, at(14)), code('CXR_ERR_HUB_TRAINING_JOB_STATE'));
    await assert.rejects(jobs.cancel('j-ffffffffffff', at(14)), code('CXR_ERR_HUB_TRAINING_JOB_NOT_FOUND'));
  });

  it('numbers jobs created at the same moment, each its own place in the queue', async () => {
    const jobs = createJobsStore(await fresh());
    const created = await Promise.all([1, 2, 3, 4].map((i) => jobs.create(newJob(`site-${i}`), at(0))));
    assert.equal(new Set(created.map((j) => j.id)).size, 4);
    assert.deepEqual((await jobs.list(10)).map((j) => j.site).sort(), ['site-1', 'site-2', 'site-3', 'site-4']);
  });

  it('never gives one job to two trainers claiming at the same moment', async () => {
    const jobs = createJobsStore(await fresh());
    for (const i of [1, 2, 3]) await jobs.create(newJob(`site-${i}`), at(0));
    const trainers = ['t-1', 't-2', 't-3', 't-4', 't-5', 't-6'];
    const claimed = await Promise.all(trainers.map((t) => jobs.claim(t, at(1), TIMEOUT)));
    const held = claimed.filter((j) => j !== undefined);
    assert.equal(new Set(held.map((j) => j.id)).size, held.length, 'no job is handed out twice');
    assert.equal(held.length, 3, 'three jobs: three trainers get one each, the others none');
    for (const job of held) assert.equal((await jobs.get(job.id))?.trainer, job.trainer);
  });
});

const calibration = (site: string, modelVersion: string): SiteCalibration => ({
  site,
  modelName: 'cxr-densenet',
  modelVersion,
  thresholds: { Effusion: { threshold: 0.4321, chosenOn: 'reads', targetSensitivity: 0.95 } },
  reads: 412,
  createdAt: '2026-11-01T00:00:00.000Z',
});
/** The signed text as a trainer sent it: its own spacing and escapes, kept byte for byte. */
const signed = (c: SiteCalibration, n: number) => ({
  payload: `${JSON.stringify(c, null, n)}\n`,
  signature: `sig-${n}`,
  keyId: 'trainer-key',
});

describeOnEachEngine('site calibrations store', (fresh) => {
  it('numbers each site’s calibrations, keeps the signed text exactly and points at the newest', async () => {
    const store = createCalibrationsStore(await fresh());
    const v1 = await store.add(
      calibration('clinic-a', '1.0.0'),
      signed(calibration('clinic-a', '1.0.0'), 1),
      'j-1',
      'trainer',
      at(0),
    );
    assert.deepEqual(v1, {
      site: 'clinic-a',
      version: 1,
      modelVersion: '1.0.0',
      signed: signed(calibration('clinic-a', '1.0.0'), 1),
      calibration: calibration('clinic-a', '1.0.0'),
      jobId: 'j-1',
      createdAt: at(0).toISOString(),
      current: true,
    });
    await store.add(
      calibration('clinic-a', '1.1.0'),
      signed(calibration('clinic-a', '1.1.0'), 2),
      null,
      'trainer',
      at(5),
    );
    await store.add(
      calibration('clinic-B', '1.1.0'),
      signed(calibration('clinic-B', '1.1.0'), 0),
      null,
      'trainer',
      at(6),
    );
    const rows = (list: { site: string; version: number; current: boolean }[]) =>
      list.map((c) => `${c.site}/${c.version}${c.current ? '*' : ''}`);
    assert.deepEqual(rows(await store.list()), ['clinic-B/1*', 'clinic-a/2*', 'clinic-a/1']);
    assert.deepEqual(rows(await store.list('clinic-a')), ['clinic-a/2*', 'clinic-a/1']);
    assert.deepEqual(await store.list('clinic-z'), []);
    assert.equal(
      (await store.current('clinic-a'))?.signed.payload,
      signed(calibration('clinic-a', '1.1.0'), 2).payload,
    );
    assert.equal(await store.current('clinic-z'), undefined);
  });

  it('rolls a site back to an earlier version, and refuses one it does not have', async () => {
    const store = createCalibrationsStore(await fresh());
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      await store.add(calibration('clinic-a', v), signed(calibration('clinic-a', v), 0), null, 'trainer', at(0));
    }
    assert.deepEqual(await store.setCurrent('clinic-a', 1, 'boss', at(9)), { before: 3, after: 1 });
    assert.deepEqual(await store.setCurrent('clinic-a', 1, 'boss', at(9)), { before: 1, after: 1 });
    assert.deepEqual(
      [(await store.current('clinic-a'))?.version, (await store.current('clinic-a'))?.modelVersion],
      [1, '1.0.0'],
    );
    await assert.rejects(store.setCurrent('clinic-a', 4, 'boss', at(9)), code('CXR_ERR_HUB_NOT_FOUND'));
    await assert.rejects(store.setCurrent('clinic-b', 1, 'boss', at(9)), code('CXR_ERR_HUB_NOT_FOUND'));
    assert.equal((await store.current('clinic-a'))?.version, 1, 'a refused rollback changes nothing');
    await store.add(
      calibration('clinic-a', '2.0.0'),
      signed(calibration('clinic-a', '2.0.0'), 0),
      null,
      'trainer',
      at(10),
    );
    assert.equal((await store.current('clinic-a'))?.version, 4, 'a new calibration is current');
  });

  it('keeps every calibration of a site added at the same moment, each its own version', async () => {
    const store = createCalibrationsStore(await fresh());
    const c = calibration('clinic-a', '1.0.0');
    const added = await Promise.all([0, 1, 2, 3].map((n) => store.add(c, signed(c, n), null, 'trainer', at(0))));
    assert.deepEqual(added.map((a) => a.version).sort(), [1, 2, 3, 4]);
    assert.equal((await store.list('clinic-a')).length, 4);
  });
});
