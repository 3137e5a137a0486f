/**
 * The training queue's rules (pure; docs/hub.md#training). In: a job's status, its trainer's last heartbeat, a
 * progress report, the clock as numbers. Out: decisions — whether a job can be cancelled and to what, whether a
 * running job's trainer has gone silent (the job goes back to the queue and resumes from its checkpoint), and the
 * per-epoch history with a report merged in (a resumed job re-reports epochs: the latest report of an epoch wins).
 */
import type { TrainingJobStatus } from '../db/learning-tables.ts';

export const JOB_KINDS = ['search', 'fine-tune', 'recalibrate'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const ACTIVE: readonly TrainingJobStatus[] = ['running', 'cancelling'];
export const FINISHED: readonly TrainingJobStatus[] = ['cancelled', 'failed', 'succeeded'];

/** One progress report from the trainer. */
export interface JobProgress {
  phase: string;
  epoch?: number;
  epochs?: number;
  loss?: number;
  /** Per class, the validation AUROC after this epoch (null when undefined). */
  valAuroc?: Record<string, number | null>;
  etaS?: number;
  message?: string;
  at: string;
}

/** One point of the curves the dashboard draws. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  valAuroc: Record<string, number | null>;
  at: string;
}

/** What cancelling a job in this status does, or null when it cannot be cancelled. */
export function cancelledStatus(status: TrainingJobStatus): TrainingJobStatus | null {
  if (status === 'queued') return 'cancelled';
  if (status === 'running') return 'cancelling';
  return null;
}

/** Whether a running job's trainer has been silent longer than the timeout. */
export function isStale(
  job: { status: TrainingJobStatus; heartbeatMs: number | null },
  nowMs: number,
  timeoutMs: number,
) {
  return ACTIVE.includes(job.status) && (job.heartbeatMs ?? 0) < nowMs - timeoutMs;
}

/** The status a finished report leads to: a job being cancelled ends `cancelled` whatever the trainer says. */
export function finishedStatus(current: TrainingJobStatus, outcome: 'succeeded' | 'failed'): TrainingJobStatus {
  return current === 'cancelling' ? 'cancelled' : outcome;
}

/** History with the report's epoch (when it has one with a loss) in place, in epoch order. */
export function mergeHistory(history: readonly EpochPoint[], progress: JobProgress): EpochPoint[] {
  if (progress.epoch === undefined || progress.loss === undefined) return [...history];
  const point: EpochPoint = {
    epoch: progress.epoch,
    loss: progress.loss,
    valAuroc: progress.valAuroc ?? {},
    at: progress.at,
  };
  return [...history.filter((p) => p.epoch !== point.epoch), point].sort((a, b) => a.epoch - b.epoch);
}
