/**
 * The job leader on both engines, on the real lease table: one of two replicas runs the jobs; when it closes
 * the other takes over at once; when it stalls (its clock, passed in, stops) the other takes over after the
 * lease runs out and the stalled one learns it lost; a single hub (no lease) is active at once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { createLeaseStore } from '../../../hub/db/lease.ts';
import { createJobLeader, JOBS_LEASE } from '../../../hub/jobs/job-leader.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { waitFor } from '../harness.ts';

const log = pino({ level: 'silent' });

describeOnEachEngine('job leader', (fresh) => {
  const replica = (leases: ReturnType<typeof createLeaseStore>, holder: string, nowMs = () => Date.now()) => {
    const changes: string[] = [];
    const leader = createJobLeader({
      lease: { leases, holder, ttlMs: 300, nowMs },
      onGain: async () => void changes.push('gain'),
      onLose: async () => void changes.push('lose'),
      log,
    });
    return { leader, changes };
  };

  it('runs the jobs in one replica; the other takes over at once when it closes', async () => {
    const leases = createLeaseStore(await fresh());
    const a = replica(leases, 'hub-a');
    const b = replica(leases, 'hub-b');
    await a.leader.start();
    await b.leader.start();
    assert.deepEqual([a.leader.isActive(), b.leader.isActive()], [true, false]);
    await a.leader.close();
    assert.deepEqual(a.changes, ['gain', 'lose']);
    await waitFor(() => (b.leader.isActive() ? true : undefined), 2_000);
    assert.equal((await leases.get(JOBS_LEASE))?.holder, 'hub-b');
    await b.leader.close();
  });

  it('a stalled replica loses the jobs once its lease runs out, and knows it', async () => {
    const leases = createLeaseStore(await fresh());
    const frozen = Date.now();
    const a = replica(leases, 'hub-a', () => frozen); // renews, but always until frozen + ttl
    const b = replica(leases, 'hub-b');
    await a.leader.start();
    await b.leader.start();
    assert.equal(a.leader.isActive(), true);
    await waitFor(() => (b.leader.isActive() ? true : undefined), 3_000);
    await waitFor(() => (a.leader.isActive() ? undefined : true), 3_000);
    assert.deepEqual(a.changes, ['gain', 'lose']);
    assert.equal((await leases.get(JOBS_LEASE))?.token, 2, 'a new term');
    await a.leader.close();
    await b.leader.close();
  });
});

it('without a lease (a single hub) runs the jobs at once and stops them on close', async () => {
  const changes: string[] = [];
  const leader = createJobLeader({
    onGain: async () => void changes.push('gain'),
    onLose: async () => void changes.push('lose'),
    log,
  });
  await leader.start();
  assert.equal(leader.isActive(), true);
  await leader.close();
  assert.deepEqual(changes, ['gain', 'lose']);
});
