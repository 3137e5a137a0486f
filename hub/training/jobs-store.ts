/**
 * The training queue in the database (migration 7). Async, on Kysely (SQLite and PostgreSQL). Creating, claiming,
 * reporting and finishing are each one transaction, taken one at a time (on PostgreSQL under an advisory lock), so two
 * trainers never hold one job and a report from a trainer that lost its job (requeued after silence, or cancelled) is
 * refused with CXR_ERR_HUB_TRAINING_JOB_STATE. Stale jobs (job-policy.ts `isStale`) go back to the queue at the next
 * claim; the trainer that held one resumes it when it claims again (its checkpoints are keyed by the job id).
 */
import { randomBytes } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import type { TrainingJobStatus, TrainingJobsTable } from '../db/learning-tables.ts';
import { httpError } from '../http/errors.ts';
import { LOCK_KEYS } from '../jobs/cluster-lock.ts';
import {
  ACTIVE,
  cancelledStatus,
  type EpochPoint,
  finishedStatus,
  isStale,
  type JobKind,
  type JobProgress,
  mergeHistory,
} from './job-policy.ts';

export interface TrainingJob {
  id: string;
  kind: JobKind;
  /** null: every site. */
  site: string | null;
  params: Record<string, unknown>;
  status: TrainingJobStatus;
  createdBy: string;
  createdAt: string;
  trainer: string | null;
  attempt: number;
  heartbeatMs: number | null;
  progress: JobProgress | null;
  history: EpochPoint[];
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface NewJob {
  kind: JobKind;
  site: string | null;
  params: Record<string, unknown>;
  createdBy: string;
}

export interface JobsStore {
  create(job: NewJob, now: Date): Promise<TrainingJob>;
  get(id: string): Promise<TrainingJob | undefined>;
  list(limit: number): Promise<TrainingJob[]>;
  /** The job this trainer should work on: its own active one (a restart resumes it), else the oldest queued. */
  claim(trainer: string, now: Date, heartbeatTimeoutMs: number): Promise<TrainingJob | undefined>;
  /** Stores a progress report (or a bare heartbeat when `progress` is null); the job as it is now. */
  report(id: string, trainer: string, progress: JobProgress | null, now: Date): Promise<TrainingJob>;
  finish(
    id: string,
    trainer: string,
    outcome: { result: Record<string, unknown> } | { error: { code: string; message: string } },
    now: Date,
  ): Promise<TrainingJob>;
  /** queued → cancelled at once; running → cancelling (the trainer sees it at its next report). */
  cancel(id: string, now: Date): Promise<{ before: TrainingJobStatus; job: TrainingJob }>;
}

const parse = <T>(text: string | null, fallback: T): T => (text === null ? fallback : (JSON.parse(text) as T));

export function toJob(row: Selectable<TrainingJobsTable>): TrainingJob {
  return {
    id: row.id,
    kind: row.kind,
    site: row.site,
    params: parse(row.params, {}),
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    trainer: row.trainer,
    attempt: Number(row.attempt),
    heartbeatMs: row.heartbeat_ms === null ? null : Number(row.heartbeat_ms),
    progress: parse(row.progress, null),
    history: parse(row.history, []),
    result: parse(row.result, null),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

/**
 * One queue change at a time. SQLite's one connection already runs the hub's transactions one after another; on
 * PostgreSQL (READ COMMITTED, a pool of connections) two claims would both read the same queued job and both take it,
 * and two creates would pick the same `seq`: a transaction-scoped advisory lock makes them take turns.
 */
const inQueue = <T>(db: HubDb, fn: (tx: HubDb) => Promise<T>) =>
  db.transaction(async (tx) => {
    if (tx.dialect === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEYS.trainingQueue})`.execute(tx.kysely);
    return fn(tx);
  });

const notFound = (id: string) => httpError('CXR_ERR_HUB_TRAINING_JOB_NOT_FOUND', `no training job ${id}`);

export function createJobsStore(db: HubDb): JobsStore {
  const row = (tx: HubDb, id: string) =>
    tx.kysely.selectFrom('training_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  const held = async (tx: HubDb, id: string, trainer: string) => {
    const found = await row(tx, id);
    if (!found) throw notFound(id);
    if (found.trainer !== trainer || !ACTIVE.includes(found.status)) {
      throw httpError('CXR_ERR_HUB_TRAINING_JOB_STATE', `job ${id} is ${found.status}, not held by ${trainer}`, {
        status: found.status,
      });
    }
    return found;
  };

  return {
    async create(job, now) {
      return inQueue(db, async (tx) => {
        const last = await tx.kysely
          .selectFrom('training_jobs')
          .select(({ fn }) => fn.max('seq').as('seq'))
          .executeTakeFirst();
        const at = now.toISOString();
        const values = {
          id: `j-${randomBytes(6).toString('hex')}`,
          seq: Number(last?.seq ?? 0) + 1,
          kind: job.kind,
          site: job.site,
          params: JSON.stringify(job.params),
          status: 'queued' as const,
          created_by: job.createdBy,
          created_at: at,
          trainer: null,
          claimed_ms: null,
          heartbeat_ms: null,
          progress: null,
          history: '[]',
          result: null,
          error_code: null,
          error_message: null,
          finished_at: null,
          updated_at: at,
        };
        await tx.kysely.insertInto('training_jobs').values(values).execute();
        return toJob({ ...values, attempt: 0 });
      });
    },
    async get(id) {
      const found = await row(db, id);
      return found ? toJob(found) : undefined;
    },
    async list(limit) {
      const rows = await db.kysely
        .selectFrom('training_jobs')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },
    async claim(trainer, now, heartbeatTimeoutMs) {
      return inQueue(db, async (tx) => {
        const nowMs = now.getTime();
        const at = now.toISOString();
        const active = await tx.kysely.selectFrom('training_jobs').selectAll().where('status', 'in', ACTIVE).execute();
        const own = active.find((j) => j.trainer === trainer);
        const stale = active.filter(
          (j) => j !== own && isStale({ status: j.status, heartbeatMs: j.heartbeat_ms }, nowMs, heartbeatTimeoutMs),
        );
        for (const j of stale) {
          // A silent trainer's job: a cancel in progress ends it, otherwise it waits for the next trainer.
          await tx.kysely
            .updateTable('training_jobs')
            .set(
              j.status === 'cancelling'
                ? { status: 'cancelled', finished_at: at, updated_at: at }
                : { status: 'queued', trainer: null, updated_at: at },
            )
            .where('id', '=', j.id)
            .execute();
        }
        const next =
          own ??
          (await tx.kysely
            .selectFrom('training_jobs')
            .selectAll()
            .where('status', '=', 'queued')
            .orderBy('seq')
            .limit(1)
            .executeTakeFirst());
        if (!next) return undefined;
        await tx.kysely
          .updateTable('training_jobs')
          .set({
            status: next.status === 'queued' ? 'running' : next.status,
            trainer,
            attempt: Number(next.attempt) + 1,
            claimed_ms: nowMs,
            heartbeat_ms: nowMs,
            updated_at: at,
          })
          .where('id', '=', next.id)
          .execute();
        return toJob((await row(tx, next.id))!);
      });
    },
    async report(id, trainer, progress, now) {
      return inQueue(db, async (tx) => {
        const found = await held(tx, id, trainer);
        const history = progress ? mergeHistory(parse<EpochPoint[]>(found.history, []), progress) : undefined;
        await tx.kysely
          .updateTable('training_jobs')
          .set({
            heartbeat_ms: now.getTime(),
            updated_at: now.toISOString(),
            ...(progress ? { progress: JSON.stringify(progress), history: JSON.stringify(history) } : {}),
          })
          .where('id', '=', id)
          .execute();
        return toJob((await row(tx, id))!);
      });
    },
    async finish(id, trainer, outcome, now) {
      return inQueue(db, async (tx) => {
        const found = await held(tx, id, trainer);
        const at = now.toISOString();
        const status = finishedStatus(found.status, 'result' in outcome ? 'succeeded' : 'failed');
        await tx.kysely
          .updateTable('training_jobs')
          .set({
            status,
            heartbeat_ms: now.getTime(),
            finished_at: at,
            updated_at: at,
            ...('result' in outcome
              ? { result: JSON.stringify(outcome.result) }
              : { error_code: outcome.error.code, error_message: outcome.error.message.slice(0, 2000) }),
          })
          .where('id', '=', id)
          .execute();
        return toJob((await row(tx, id))!);
      });
    },
    async cancel(id, now) {
      return inQueue(db, async (tx) => {
        const found = await row(tx, id);
        if (!found) throw notFound(id);
        const status = cancelledStatus(found.status);
        if (status === null) {
          throw httpError('CXR_ERR_HUB_TRAINING_JOB_STATE', `job ${id} is ${found.status}: nothing to cancel`, {
            status: found.status,
          });
        }
        const at = now.toISOString();
        await tx.kysely
          .updateTable('training_jobs')
          .set({ status, updated_at: at, ...(status === 'cancelled' ? { finished_at: at } : {}) })
          .where('id', '=', id)
          .execute();
        return { before: found.status, job: toJob((await row(tx, id))!) };
      });
    },
  };
}
