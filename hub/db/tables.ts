/**
 * The hub's tables as Kysely sees them: one interface per table, column names as stored (snake_case).
 * JSON values are TEXT on both engines (the stores parse them); booleans are INTEGER 0/1; times are ISO
 * text or integer milliseconds (`*_ms`). The schema itself is in migrations/.
 */
import type { Generated } from 'kysely';
import type {
  AgentRefusalsTable,
  ResultShadowsTable,
  ScheduleRunsTable,
  ShadowsTable,
  SiteCalibrationCurrentTable,
  SiteCalibrationsTable,
  SiteDriftTable,
  TrainerSessionsTable,
  TrainingJobsTable,
} from './learning-tables.ts';

export interface ResultsTable {
  id: Generated<number>;
  result_id: string;
  site: string;
  agent: string;
  image_key: string;
  study_key: string | null;
  patient_key: string | null;
  received_at: string;
  scored_at: string;
  scored_ms: number;
  ingested_at: string;
  model_name: string;
  model_version: string;
  runtime: string;
  rank: number;
  flagged: number;
  max_probability: number;
  status: Generated<'unread' | 'reviewed'>;
  classes: string;
  probabilities: string;
  flags: string;
  timings: string;
  image: string;
  preview_sha256: string | null;
  preview_mime: string | null;
  heatmap_sha256: string | null;
  heatmap_mime: string | null;
  /** migration 5: the triage (docs/hub.md#triage); `triage` NULL = not yet backfilled. */
  tier: Generated<'urgent' | 'abnormal' | 'indeterminate' | 'likely-normal'>;
  tier_rank: Generated<number>;
  score: Generated<number>;
  score_key: Generated<number>;
  arrived_ms: Generated<number>;
  acquired: Generated<number>;
  triage: string | null;
  activation: string | null;
  signed_ms: number | null;
  /** migration 8: the result's `deid` (burned-in text handling), JSON; NULL before it. */
  deid: string | null;
}

export interface ResultFlagsTable {
  result_row: number;
  class: string;
}

export interface ReviewsTable {
  id: Generated<number>;
  result_row: number;
  reviewer: string;
  at: string;
  report: string;
  decisions: string;
}

export interface ReviewLabelsTable {
  review_id: number;
  result_row: number;
  class: string;
  ai_flag: number;
  label: number;
}

export interface ReadsTable {
  id: Generated<number>;
  result_row: number;
  version: number;
  reader: string;
  signed_at: string;
  signed_ms: number;
  decisions: string;
  impression: string;
  normal: number;
  agreed_with_ai: number;
}

export interface ReadDecisionsTable {
  read_id: number;
  result_row: number;
  class: string;
  ai_called: number;
  present: number;
}

export interface ClaimsTable {
  result_row: number;
  holder: string;
  claimed_at: string;
  expires_ms: number;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  last_failure_ms: number;
  locked_until_ms: number;
}

export interface AgentsTable {
  site: string;
  agent: string;
  online: Generated<number>;
  last_seen: string | null;
  status: string | null;
  model_state: string | null;
  results: Generated<number>;
}

export interface AgentCredentialsTable {
  username: string;
  password_hash: string;
  created_at: string;
}

export interface UsersTable {
  username: string;
  role: 'radiologist' | 'admin';
  password_hash: string;
  created_at: string;
}

export interface SessionsTable {
  token_sha256: string;
  username: string;
  csrf: string;
  expires_ms: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
  /** migration 5: the client address of the request, when there was one. */
  source: string | null;
}

export interface HubSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface ModelsTable {
  version: string;
  name: string;
  sha256: string;
  model_sha256: string;
  size_bytes: number;
  classes: string;
  metrics: string;
  macs: number;
  params: number;
  publisher_key_id: string;
  published_by: string;
  published_at: string;
  /** migration 10: the manifest's `referenceScores` (JSON), NULL when the package has none. */
  reference_scores: string | null;
}

export interface ModelAliasesTable {
  alias: string;
  version: string;
  updated_by: string;
  updated_at: string;
}

export type RolloutStatusColumn = 'running' | 'paused' | 'completed' | 'aborted' | 'rolled-back';

export interface RolloutsTable {
  id: string;
  seq: number;
  version: string;
  target: string;
  targets: string;
  waves: string;
  wait_s: number;
  abort_failure_fraction: number;
  shadow: number;
  status: RolloutStatusColumn;
  reason: string | null;
  waves_issued: Generated<number>;
  wave_done_ms: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface RolloutAgentsTable {
  rollout_id: string;
  site: string;
  agent: string;
  wave: number;
  previous_version: string | null;
  state: string;
  phase: Generated<'target' | 'revert'>;
  revert_version: string | null;
  revert_state: string | null;
  active_version: string | null;
  code: string | null;
  reason: string | null;
  bytes: number | null;
  total_bytes: number | null;
  agreement: number | null;
  issued_at: string;
  updated_at: string;
}

export interface PinsTable {
  site: string;
  agent: string;
  version: string;
  pinned_by: string;
  pinned_at: string;
}

export interface DesiredTable {
  site: string;
  agent: string;
  version: string;
  rollout_id: string | null;
  payload: string;
  published_at: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  token: number;
  expires_ms: number;
}

export interface ReportOutboxTable {
  result_id: string;
  version: number;
  site: string;
  agent: string;
  payload: string;
  created_ms: number;
  sent_count: Generated<number>;
  last_sent_ms: number | null;
  state: Generated<'pending' | 'rejected'>;
  reason: string | null;
}

/** migration 6: stored diagnostic images (hub/images/). */
export interface ImagesTable {
  sha256: string;
  size_bytes: number;
  stored_ms: number;
}

export interface ResultImagesTable {
  result_id: string;
  sha256: string;
  site: string;
  agent: string;
  image: string;
  announced_ms: number;
}

export interface HubTables {
  results: ResultsTable;
  result_flags: ResultFlagsTable;
  reviews: ReviewsTable;
  review_labels: ReviewLabelsTable;
  agents: AgentsTable;
  agent_credentials: AgentCredentialsTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  hub_secrets: HubSecretsTable;
  models: ModelsTable;
  model_aliases: ModelAliasesTable;
  rollouts: RolloutsTable;
  rollout_agents: RolloutAgentsTable;
  pins: PinsTable;
  desired: DesiredTable;
  leases: LeasesTable;
  reads: ReadsTable;
  read_decisions: ReadDecisionsTable;
  claims: ClaimsTable;
  login_failures: LoginFailuresTable;
  report_outbox: ReportOutboxTable;
  images: ImagesTable;
  result_images: ResultImagesTable;
  training_jobs: TrainingJobsTable;
  trainer_sessions: TrainerSessionsTable;
  site_calibrations: SiteCalibrationsTable;
  site_calibration_current: SiteCalibrationCurrentTable;
  shadows: ShadowsTable;
  result_shadows: ResultShadowsTable;
  agent_refusals: AgentRefusalsTable;
  site_drift: SiteDriftTable;
  schedule_runs: ScheduleRunsTable;
}

export type HubTableName = keyof HubTables;
