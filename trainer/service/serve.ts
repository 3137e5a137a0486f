/**
 * The trainer service's loop (docs/trainer.md#trainer-service): claim one job, run it to the end, claim the next;
 * when the queue is empty, wait `pollIntervalS`. A hub that cannot be reached is retried at the same pace (logged
 * once per outage). `stop()` aborts the job in progress (it stays running on the hub and resumes at the next start)
 * and resolves when the loop has ended.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asCxrError } from '../../models/errors.ts';
import { type RunJobDeps, runJob } from './run-job.ts';

export interface TrainerService {
  /** Resolves when the loop ends (after stop()). */
  done: Promise<void>;
  stop(): Promise<void>;
}

export function serveJobs(deps: Omit<RunJobDeps, 'stop'>): TrainerService {
  const stopper = new AbortController();
  const { log } = deps;
  const pollMs = deps.config.pollIntervalS * 1000;
  const loop = async () => {
    let down = false;
    while (!stopper.signal.aborted) {
      let job: Awaited<ReturnType<typeof deps.hub.claim>>;
      try {
        job = await deps.hub.claim();
        if (down) log.info('hub reachable again');
        down = false;
      } catch (error) {
        const e = asCxrError(error);
        if (!down) log.warn({ code: e.code, err: e.message }, 'cannot claim a job from the hub; retrying');
        down = true;
        job = null;
      }
      if (job) await runJob({ ...deps, stop: stopper.signal }, job);
      else await sleep(pollMs, undefined, { signal: stopper.signal }).catch(() => undefined);
    }
  };
  const done = loop();
  return {
    done,
    async stop() {
      stopper.abort();
      await done;
    },
  };
}
