/**
 * Which hub replica runs the background jobs (rollout runner, report re-sends, image retention, and with a
 * NATS cluster the agents' status and model-state subscriptions). With a lease (several replicas on one
 * PostgreSQL database) the replica holding the database lease `hub-jobs` (hub/db/lease.ts) is active; the
 * others check every ttl/3 and one takes over once a dead holder's lease has run out (within ttl + ttl/3).
 * Without a lease (a single hub) this process is always active. In: the lease store and timing, what to do on
 * gaining and losing; gains and losses run one after another, each to its end. Out: `isActive()`, checked by
 * the jobs' timers. A failing `onGain`/`onLose` is logged with its code and the jobs keep their state.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import { createLeaseKeeper, type LeaseStore } from '../db/lease.ts';

export const JOBS_LEASE = 'hub-jobs';

export interface JobLeaderOptions {
  lease?: { leases: LeaseStore; holder: string; ttlMs: number; nowMs: () => number };
  onGain(): Promise<void>;
  onLose(): Promise<void>;
  log: Logger;
}

export interface JobLeader {
  isActive(): boolean;
  /** Takes the lease when free (or becomes active at once without one) and keeps it renewed. */
  start(): Promise<void>;
  /** Stops the jobs and releases the lease, so another replica takes over at once. */
  close(): Promise<void>;
}

export function createJobLeader(options: JobLeaderOptions): JobLeader {
  const { log } = options;
  let active = false;
  let changes: Promise<void> = Promise.resolve();

  const change = (next: boolean, token?: number) => {
    changes = changes.then(async () => {
      if (next === active) return;
      active = next;
      try {
        if (next) {
          log.info({ lease: JOBS_LEASE, token, holder: options.lease?.holder }, 'background jobs run on this replica');
          await options.onGain();
        } else {
          log.info({ lease: JOBS_LEASE, holder: options.lease?.holder }, 'background jobs stopped on this replica');
          await options.onLose();
        }
      } catch (thrown) {
        const error = asCxrError(thrown);
        log.error({ code: error.code, err: error.message, active: next }, 'background jobs change failed');
      }
    });
  };

  const lease = options.lease;
  const keeper = lease
    ? createLeaseKeeper({
        leases: lease.leases,
        name: JOBS_LEASE,
        holder: lease.holder,
        ttlMs: lease.ttlMs,
        nowMs: lease.nowMs,
        onChange: (token) => change(token !== undefined, token),
        log,
      })
    : undefined;

  return {
    isActive: () => active,
    async start() {
      if (!keeper) change(true);
      else {
        await keeper.check();
        keeper.start();
      }
      await changes;
    },
    async close() {
      if (keeper) await keeper.close();
      change(false);
      await changes;
    },
  };
}
