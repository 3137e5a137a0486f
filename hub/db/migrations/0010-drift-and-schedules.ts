/**
 * Migration 10: drift per site (hub/drift/, docs/hub.md#drift) and scheduled training jobs (hub/training/).
 * - `models.reference_scores`: the package manifest's `referenceScores` (JSON; NULL for a package without one).
 * - `agent_refusals`: per agent and ISO week, the agent's count of quarantined (refused) inputs as first and last
 *   seen in its statuses that week: the week's refusals are the growth of that count.
 * - `site_drift`: each site's drift state as last evaluated (reasons JSON), so a transition is logged once.
 * - `schedule_runs`: when each configured schedule last created a job, and which.
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

const tables = (text: string) => `
  ALTER TABLE models ADD COLUMN reference_scores ${text};
  CREATE TABLE agent_refusals (
    site ${text} NOT NULL,
    agent ${text} NOT NULL,
    week ${text} NOT NULL,
    first_count INTEGER NOT NULL,
    last_count INTEGER NOT NULL,
    PRIMARY KEY (site, agent, week)
  );
  CREATE TABLE site_drift (
    site ${text} PRIMARY KEY,
    drifting INTEGER NOT NULL,
    week ${text} NOT NULL,
    reasons ${text} NOT NULL,
    since ${text} NOT NULL,
    updated_at ${text} NOT NULL
  );
  CREATE TABLE schedule_runs (
    name ${text} PRIMARY KEY,
    last_run_at ${text} NOT NULL,
    last_job_id ${text} NOT NULL
  );
`;

export const driftAndSchedules: Migration = {
  name: 'drift-and-schedules',
  sqlite: tables('TEXT'),
  postgres: tables(T),
};
