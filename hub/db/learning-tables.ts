/**
 * The hub's tables of the learning loop as Kysely sees them (migrations 7, 9, 10): training jobs and trainer
 * sessions, site calibrations, live shadows, drift and scheduled runs. Conventions as in tables.ts.
 */
import type { Generated } from 'kysely';

/** migration 7: the training loop (hub/training/). */
export type TrainingJobStatus = 'queued' | 'running' | 'cancelling' | 'cancelled' | 'failed' | 'succeeded';

export interface TrainingJobsTable {
  id: string;
  seq: number;
  kind: 'search' | 'fine-tune' | 'recalibrate';
  site: string | null;
  params: string;
  status: TrainingJobStatus;
  created_by: string;
  created_at: string;
  trainer: string | null;
  attempt: Generated<number>;
  claimed_ms: number | null;
  heartbeat_ms: number | null;
  progress: string | null;
  history: string;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface TrainerSessionsTable {
  token_sha256: string;
  trainer: string;
  expires_ms: number;
}

export interface SiteCalibrationsTable {
  site: string;
  version: number;
  model_version: string;
  payload: string;
  signature: string;
  key_id: string;
  job_id: string | null;
  created_at: string;
}

export interface SiteCalibrationCurrentTable {
  site: string;
  version: number;
  updated_by: string;
  updated_at: string;
}

/** migration 9: live shadows (hub/shadows/); `sites` is a JSON list. */
export interface ShadowsTable {
  id: string;
  version: string;
  sites: string;
  status: 'running' | 'stopped' | 'promoted';
  min_reads: number;
  created_by: string;
  created_at: string;
  ended_by: string | null;
  ended_at: string | null;
  end_reason: string | null;
  rollout_id: string | null;
  updated_at: string;
}

/** migration 9: a result's shadow output (`flags`, `probabilities` JSON). */
export interface ResultShadowsTable {
  result_row: number;
  version: string;
  flags: string;
  probabilities: string;
  tier: string;
  score: number;
}

/** migration 10: an agent's quarantined count as first and last seen in one ISO week (hub/drift/). */
export interface AgentRefusalsTable {
  site: string;
  agent: string;
  week: string;
  first_count: number;
  last_count: number;
}

/** migration 10: a site's drift state as last evaluated (`reasons` JSON). */
export interface SiteDriftTable {
  site: string;
  drifting: number;
  week: string;
  reasons: string;
  since: string;
  updated_at: string;
}

/** migration 10: the last job each configured schedule created. */
export interface ScheduleRunsTable {
  name: string;
  last_run_at: string;
  last_job_id: string;
}
