/**
 * Migration 7: the training loop (hub/training/, docs/hub.md#training).
 * - `training_jobs`: the queue — kind (search, fine-tune, recalibrate), the site (NULL = all sites), parameters,
 *   status, which trainer holds it and its last heartbeat, the latest progress and the per-epoch history (JSON),
 *   the outcome (result JSON, or an error code and message). `seq` orders the queue (oldest first).
 * - `trainer_sessions`: bearer tokens of logged-in trainers (only the sha256 is stored).
 * - `site_calibrations`: signed, versioned operating points per site (version 1, 2, … per site, never changed);
 *   `site_calibration_current` names the version each site's agents are sent (a rollback points back).
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

const tables = (text: string, big: string) => `
  CREATE TABLE training_jobs (
    id ${text} PRIMARY KEY,
    seq ${big} NOT NULL UNIQUE,
    kind ${text} NOT NULL CHECK (kind IN ('search', 'fine-tune', 'recalibrate')),
    site ${text},
    params ${text} NOT NULL,
    status ${text} NOT NULL CHECK (status IN ('queued', 'running', 'cancelling', 'cancelled', 'failed', 'succeeded')),
    created_by ${text} NOT NULL,
    created_at ${text} NOT NULL,
    trainer ${text},
    attempt INTEGER NOT NULL DEFAULT 0,
    claimed_ms ${big},
    heartbeat_ms ${big},
    progress ${text},
    history ${text} NOT NULL,
    result ${text},
    error_code ${text},
    error_message ${text},
    finished_at ${text},
    updated_at ${text} NOT NULL
  );
  CREATE INDEX training_jobs_queue ON training_jobs (status, seq);
  CREATE TABLE trainer_sessions (
    token_sha256 ${text} PRIMARY KEY,
    trainer ${text} NOT NULL,
    expires_ms ${big} NOT NULL
  );
  CREATE TABLE site_calibrations (
    site ${text} NOT NULL,
    version INTEGER NOT NULL,
    model_version ${text} NOT NULL,
    payload ${text} NOT NULL,
    signature ${text} NOT NULL,
    key_id ${text} NOT NULL,
    job_id ${text},
    created_at ${text} NOT NULL,
    PRIMARY KEY (site, version)
  );
  CREATE TABLE site_calibration_current (
    site ${text} PRIMARY KEY,
    version INTEGER NOT NULL,
    updated_by ${text} NOT NULL,
    updated_at ${text} NOT NULL
  );
`;

export const training: Migration = {
  name: 'training',
  sqlite: tables('TEXT', 'INTEGER'),
  postgres: tables(T, 'BIGINT'),
};
