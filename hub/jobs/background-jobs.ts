/**
 * Starts the hub's background jobs under the job leader (job-leader.ts): the rollout runner's timer and
 * its evaluations on agent events, the clinic reports' re-send timer, the image retention job and, with a
 * NATS cluster, the status / model-state / report-ack subscriptions. On gaining the lead a replica
 * subscribes, publishes every agent's desired model again (a repeated one is harmless to agents), sends the
 * reports agents have not acked and evaluates the rollouts; on losing it, it unsubscribes and stops the
 * re-send timer (the rollout and retention timers keep running and ask `isActive()` each time).
 * In: the parts' start/stop handles, the MQTT subscriptions, the lease (absent for a single hub). Out: the
 * leader (`isActive`, `close`).
 */
import type { Logger } from 'pino';
import type { TopicKind } from '../../protocol/topics.ts';
import type { LeaseStore } from '../db/lease.ts';
import { createJobLeader, type JobLeader } from './job-leader.ts';

export interface JobParts {
  desired: { republishAll(): Promise<number> };
  reports: { resend(): Promise<number>; startTimer(): void; close(): Promise<void> };
  rollouts: { evaluateAll(): Promise<void>; startTimer(intervalMs: number): void };
  retention: { start(): void };
  subscriptions: {
    kinds: readonly TopicKind[];
    subscribe(kinds: readonly TopicKind[]): Promise<void>;
    unsubscribe(kinds: readonly TopicKind[]): Promise<void>;
  };
}

export interface BackgroundJobsOptions {
  parts: JobParts;
  /** Tells the parts built before the leader whom to ask (the hub's `setJobsActive`). */
  setActive(isActive: () => boolean): void;
  lease?: { leases: LeaseStore; holder: string; ttlMs: number; nowMs: () => number };
  rolloutIntervalMs: number;
  log: Logger;
}

export async function startBackgroundJobs(options: BackgroundJobsOptions): Promise<JobLeader> {
  const { parts } = options;
  const { kinds } = parts.subscriptions;
  const leader = createJobLeader({
    ...(options.lease ? { lease: options.lease } : {}),
    async onGain() {
      await parts.subscriptions.subscribe(kinds);
      // Every agent's desired state again: the embedded broker keeps retained messages in memory only, and a
      // crash can have kept a stored message from any broker. Agents take a repeated one idempotently.
      await parts.desired.republishAll();
      // Reports signed while the hub or the broker was down, and any an agent has not acked yet.
      await parts.reports.resend();
      parts.reports.startTimer();
      await parts.rollouts.evaluateAll();
    },
    async onLose() {
      await parts.reports.close();
      await parts.subscriptions.unsubscribe(kinds);
    },
    log: options.log,
  });
  options.setActive(leader.isActive);
  parts.rollouts.startTimer(options.rolloutIntervalMs);
  parts.retention.start();
  await leader.start();
  return leader;
}
