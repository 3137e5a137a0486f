/**
 * Scheduled training jobs on a built SQLite hub: the configured schedules create their jobs when due (one per
 * site for a per-site schedule), audited with the schedule as actor and listed in the queue; a run waits while its
 * previous job is still queued, and comes again once that job is done and the interval has passed. A recalibration
 * schedule without sites is refused at start-up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../fixtures.ts';
import { type InjectUser, injectLogin } from '../inject-session.ts';

const HOUR = 3_600_000;

describe('scheduled training jobs', () => {
  let hub: BuiltHub;
  let boss: InjectUser;
  let clock = Date.parse('2026-03-02T08:00:00Z');

  before(async () => {
    hub = await buildHub({
      config: hubConfig({
        training: {
          schedules: [
            {
              name: 'weekly-recalibration',
              kind: 'recalibrate',
              sites: 'all',
              everyHours: 168,
              params: { targetSensitivity: 0.9 },
            },
            { name: 'nightly-search', kind: 'search', everyHours: 24 },
          ],
        },
      }),
      now: () => new Date(clock),
    });
    boss = await injectLogin(hub, 'boss', PASSWORDS.admin);
    for (const site of ['clinic-a', 'clinic-b']) {
      const message = await resultMessage({ site, agent: 'xr-1' });
      hub.dispatch(topicFor({ site, agent: 'xr-1' }, 'result'), Buffer.from(JSON.stringify(message)));
    }
    await hub.drain();
  });
  after(() => hub.close());

  const queue = async () =>
    (
      (await boss.get('/api/training/jobs')).json() as {
        jobs: { id: string; kind: string; site: string | null; createdBy: string }[];
      }
    ).jobs;

  it('creates the due jobs once, audited, and again only when the last is done and the time has come', async () => {
    const first = await hub.training.scheduler.runDue();
    assert.deepEqual(first.map((j) => `${j.kind}:${j.site}`).sort(), [
      'recalibrate:clinic-a',
      'recalibrate:clinic-b',
      'search:null',
    ]);
    assert.equal((await queue()).length, 3);
    assert.ok((await queue()).every((j) => j.createdBy.startsWith('schedule:')));
    const audit = (await boss.get('/api/audit?limit=50')).json() as { entries: { actor: string; action: string }[] };
    assert.equal(audit.entries.filter((e) => e.action === 'training.job.schedule').length, 3);
    assert.ok(audit.entries.some((e) => e.actor === 'schedule:nightly-search'));

    assert.deepEqual(await hub.training.scheduler.runDue(), [], 'nothing new at once');
    clock += 25 * HOUR;
    assert.deepEqual(await hub.training.scheduler.runDue(), [], 'the search job is still queued: no pile-up');
    boss = await injectLogin(hub, 'boss', PASSWORDS.admin); // the clock moved past the session's lifetime
    const search = first.find((j) => j.kind === 'search');
    const cancelled = await boss.send('POST', `/api/training/jobs/${search?.id}/cancel`, {});
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const next = await hub.training.scheduler.runDue();
    assert.deepEqual(
      next.map((j) => j.kind),
      ['search'],
    );
    assert.equal((await queue()).length, 4);
  });

  it('refuses a recalibration schedule without sites at start-up', async () => {
    await assert.rejects(
      buildHub({ config: hubConfig({ training: { schedules: [{ name: 'r', kind: 'recalibrate', everyHours: 1 }] } }) }),
      { code: 'CXR_ERR_HUB_CONFIG' },
    );
  });
});
