/**
 * Starts the hub's background jobs under the job leader (job-leader.ts): the rollout runner's timer and
 * its evaluations on agent events, the clinic reports' re-send timer, the image retention job and, with a
 * NATS cluster, the status / model-state / report-ack subscriptions. On gaining the lead a replica
 * subscribes, publishes every agent's desired model again (a repeated one is harmless to agents), sends the
 * reports agents have not acked and evaluates the rollouts; on losing it, it unsubscribes and stops the
 * re-send timer (the rollout and retention timers keep running and ask `isActive()` each time).
 * Periodic jobs (drift evaluation, scheduled training jobs) run on their own timers, each tick only while this
 * replica leads. In: the parts' start/stop handles, the MQTT subscriptions, the lease (absent for a single hub),
 * the periodic jobs. Out: the leader (`isActive`, `close`: also stops the periodic timers).
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { TopicKind } from '../../protocol/topics.ts';
import type { LeaseStore } from '../db/lease.ts';
import { createJobLeader, type JobLeader } from './job-leader.ts';

export interface JobParts {
  desired: { republishAll(): Promise<number> };
  /** Each site's current calibration to its agents again (docs/hub.md#site-calibration). */
  calibrations?: { republishAll(): Promise<number> };
  reports: { resend(): Promise<number>; startTimer(): void; close(): Promise<void> };
  rollouts: { evaluateAll(): Promise<void>; startTimer(intervalMs: number): void };
  retention: { start(): void };
  subscriptions: {
    kinds: readonly TopicKind[];
    subscribe(kinds: readonly TopicKind[]): Promise<void>;
    unsubscribe(kinds: readonly TopicKind[]): Promise<void>;
  };
}

/** A job run every `intervalMs` on the replica that leads (a failure is logged; the next tick tries again). */
export interface PeriodicJob {
  what: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface BackgroundJobsOptions {
  parts: JobParts;
  /** Tells the parts built before the leader whom to ask (the hub's `setJobsActive`). */
  setActive(isActive: () => boolean): void;
  lease?: { leases: LeaseStore; holder: string; ttlMs: number; nowMs: () => number };
  rolloutIntervalMs: number;
  periodic?: readonly PeriodicJob[];
  log: Logger;
}

export async function startBackgroundJobs(options: BackgroundJobsOptions): Promise<JobLeader> {
  const { parts, log } = options;
  const { kinds } = parts.subscriptions;
  // A broker cluster node can refuse a subscription for seconds while it elects leaders: try until it holds.
  const subscribe = async () => {
    for (let attempt = 0; leader.isActive(); attempt++) {
      try {
        await parts.subscriptions.subscribe(kinds);
        return;
      } catch (thrown) {
        if (attempt === 0) log.warn({ err: (thrown as Error).message, kinds }, 'subscriptions refused; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  const step = async (what: string, job: () => Promise<unknown>) => {
    try {
      await job();
    } catch (thrown) {
      const error = asCxrError(thrown);
      log.error({ code: error.code, err: error.message }, `${what} failed; the timer tries again`);
    }
  };
  const leader: JobLeader = createJobLeader({
    ...(options.lease ? { lease: options.lease } : {}),
    async onGain() {
      parts.reports.startTimer();
      await subscribe();
      // Every agent's desired state again: the embedded broker keeps retained messages in memory only, and a
      // crash can have kept a stored message from any broker. Agents take a repeated one idempotently.
      await step('desired re-publish', () => parts.desired.republishAll());
      const { calibrations } = parts;
      if (calibrations) await step('calibration re-publish', () => calibrations.republishAll());
      // Reports signed while the hub or the broker was down, and any an agent has not acked yet.
      await step('report re-send', () => parts.reports.resend());
      await parts.rollouts.evaluateAll();
    },
    async onLose() {
      await parts.reports.close();
      await parts.subscriptions.unsubscribe(kinds);
    },
    log,
  });
  options.setActive(leader.isActive);
  parts.rollouts.startTimer(options.rolloutIntervalMs);
  parts.retention.start();
  await leader.start();
  const timers = (options.periodic ?? []).map((job) => {
    let running = false;
    const timer = setInterval(() => {
      if (running || !leader.isActive()) return;
      running = true;
      void step(job.what, job.run).finally(() => {
        running = false;
      });
    }, job.intervalMs);
    timer.unref();
    return timer;
  });
  return {
    ...leader,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await leader.close();
    },
  };
}
