/**
 * Periodic background jobs (drift evaluation, scheduled training jobs) under the real database lease, on both
 * engines: of two replicas only the one holding the lease runs them; when it closes, its timers stop and the other
 * replica's take over. The other parts are inert here (their own tests cover them).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { createLeaseStore } from '../../../hub/db/lease.ts';
import { type JobParts, startBackgroundJobs } from '../../../hub/jobs/background-jobs.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { waitFor } from '../harness.ts';

const log = pino({ level: 'silent' });
const inert: Omit<JobParts, 'calibrations'> = {
  desired: { republishAll: async () => 0 },
  reports: { resend: async () => 0, startTimer: () => {}, close: async () => {} },
  rollouts: { evaluateAll: async () => {}, startTimer: () => {} },
  retention: { start: () => {} },
  subscriptions: { kinds: [], subscribe: async () => {}, unsubscribe: async () => {} },
};

describeOnEachEngine('periodic background jobs', (fresh) => {
  it('run only on the replica holding the lease, and move with it', async () => {
    const leases = createLeaseStore(await fresh());
    const runs = { a: 0, b: 0 };
    const start = (holder: 'a' | 'b') =>
      startBackgroundJobs({
        parts: inert,
        setActive: () => {},
        lease: { leases, holder, ttlMs: 300, nowMs: () => Date.now() },
        rolloutIntervalMs: 60_000,
        periodic: [{ what: 'count', intervalMs: 20, run: async () => void runs[holder]++ }],
        log,
      });
    const a = await start('a');
    const b = await start('b');
    await waitFor(() => (runs.a >= 3 ? true : undefined), 3_000);
    assert.equal(runs.b, 0, 'the replica without the lease runs nothing');
    await a.close();
    const stopped = runs.a;
    await waitFor(() => (runs.b >= 3 ? true : undefined), 3_000);
    assert.equal(runs.a, stopped, "a closed replica's timers are stopped");
    await b.close();
  });
});
