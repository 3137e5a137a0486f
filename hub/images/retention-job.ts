/**
 * The retention job for diagnostic images: every `intervalMs`, in ONE hub replica at a time (the database
 * lease `images-retention`, hub/db/lease.ts), deletes what retention-policy.ts names (rows first, then the
 * files: a crash in between leaves an unreferenced file, never a row without its file) and uploads in
 * progress untouched for `partialTtlMs`. With `isActive` (hub replicas, hub/jobs/job-leader.ts) it runs in the
 * replica that holds the hub's jobs lease instead, so a dead replica's share is taken over within seconds.
 * In: the store, the files, the lease store, the policy, the clock.
 * Errors are logged with their code and the next run tries again.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import { createLeaseKeeper, type LeaseStore } from '../db/lease.ts';
import type { ImageFiles } from './image-files.ts';
import type { ImagesStore } from './images-store.ts';
import { imagesToDelete, type RetentionPolicy } from './retention-policy.ts';

export interface RetentionJobDeps {
  store: ImagesStore;
  files: ImageFiles;
  leases: LeaseStore;
  policy: RetentionPolicy & { partialTtlMs: number };
  intervalMs: number;
  /** Whether this replica runs the background jobs; without it the job takes its own lease. */
  isActive?: () => boolean;
  nowMs: () => number;
  log: Logger;
}

export interface RetentionSweep {
  images: number;
  bytes: number;
  partials: number;
}

const BATCH = 500;

export function createRetentionJob(deps: RetentionJobDeps) {
  const { store, files, policy, log } = deps;
  let held = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const keeper = createLeaseKeeper({
    leases: deps.leases,
    name: 'images-retention',
    holder: `${hostname()}:${process.pid}:${Math.random().toString(16).slice(2, 10)}`,
    ttlMs: Math.max(30_000, deps.intervalMs * 2),
    nowMs: deps.nowMs,
    onChange: (token) => {
      held = token !== undefined;
    },
    log,
  });

  /** One pass, whether or not this replica holds the lease (tests, the admin route). */
  async function sweep(): Promise<RetentionSweep> {
    const out: RetentionSweep = { images: 0, bytes: 0, partials: 0 };
    let total = (await store.usage()).bytes;
    for (;;) {
      const batch = await store.storedOldestFirst(BATCH);
      const doomed = imagesToDelete(batch, total, policy, deps.nowMs());
      for (const sha of doomed) {
        const size = batch.find((b) => b.sha256 === sha)?.sizeBytes ?? 0;
        await store.forget(sha);
        await files.remove(sha);
        total -= size;
        out.images++;
        out.bytes += size;
      }
      if (doomed.length < BATCH) break;
    }
    for (const partial of await files.partials()) {
      if (partial.mtimeMs < deps.nowMs() - policy.partialTtlMs) {
        await files.removePartial(partial.sha256);
        out.partials++;
      }
    }
    if (out.images + out.partials > 0) log.info(out, 'diagnostic image retention');
    return out;
  }

  async function tick(): Promise<void> {
    try {
      if (deps.isActive ? deps.isActive() : await keeper.check()) await sweep();
    } catch (thrown) {
      const error = asCxrError(thrown);
      log.error({ code: error.code, err: error.message }, 'image retention failed');
    }
  }

  return {
    sweep,
    isHeld: () => (deps.isActive ? deps.isActive() : held),
    start() {
      clearInterval(timer);
      timer = setInterval(() => {
        if (!running) running = tick().finally(() => (running = undefined));
      }, deps.intervalMs);
      timer.unref();
      running = tick().finally(() => (running = undefined));
    },
    async close() {
      clearInterval(timer);
      await running;
      await keeper.close();
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
