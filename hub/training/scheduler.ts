/**
 * Scheduled training jobs (docs/hub.md#scheduled-jobs): `runDue()` creates every job schedule-policy.ts says is
 * due, records the run (migration 10, `schedule_runs`), audits it (`training.job.schedule`, actor
 * `schedule:<name>`) and announces it like a job created in the dashboard. It runs on the background jobs' timer,
 * only on the replica holding the database lease (hub/jobs), so one hub creates each run once. In: the database,
 * the schedules (checked at start-up), the jobs store, the audit log, the event bus, the clock. Out: the jobs made.
 */
import type { Logger } from 'pino';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { JobsStore, TrainingJob } from './jobs-store.ts';
import { checkSchedules, dueRuns, type LastRun, type Schedule } from './schedule-policy.ts';

export interface SchedulerDeps {
  db: HubDb;
  schedules: readonly Schedule[];
  jobs: JobsStore;
  audit: AuditStore;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createScheduler(deps: SchedulerDeps) {
  checkSchedules(deps.schedules);
  const { db, jobs } = deps;
  const lastRuns = async () => {
    const rows = await db.kysely.selectFrom('schedule_runs').selectAll().execute();
    const runs = new Map<string, LastRun>();
    for (const row of rows) {
      const job = await jobs.get(row.last_job_id);
      const active = job !== undefined && ['queued', 'running', 'cancelling'].includes(job.status);
      runs.set(row.name, { atMs: Date.parse(row.last_run_at), active });
    }
    return runs;
  };
  const knownSites = async () =>
    (await db.kysely.selectFrom('results').select('site').distinct().execute()).map((r) => r.site);

  return {
    async runDue(): Promise<TrainingJob[]> {
      if (deps.schedules.length === 0) return [];
      const now = deps.now();
      const due = dueRuns(deps.schedules, await knownSites(), await lastRuns(), now.getTime());
      const made: TrainingJob[] = [];
      for (const run of due) {
        const actor = `schedule:${run.schedule.name}`;
        const params = run.schedule.params ?? {};
        const job = await jobs.create({ kind: run.schedule.kind, site: run.site, params, createdBy: actor }, now);
        const values = { last_run_at: now.toISOString(), last_job_id: job.id };
        await db.kysely
          .insertInto('schedule_runs')
          .values({ name: run.key, ...values })
          .onConflict((oc) => oc.column('name').doUpdateSet(values))
          .execute();
        await deps.audit.append(
          {
            actor,
            action: 'training.job.schedule',
            target: job.id,
            after: { schedule: run.schedule.name, kind: run.schedule.kind, site: run.site, params },
          },
          now,
        );
        deps.events.emit('training', { id: job.id });
        deps.log.info({ schedule: run.key, job: job.id, kind: job.kind }, 'scheduled training job created');
        made.push(job);
      }
      return made;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
