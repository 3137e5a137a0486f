/**
 * Migration 9: live shadows of a candidate model (hub/shadows/, docs/rollout.md "Live shadow").
 * - `shadows`: one candidate version shadowed beside production at chosen sites (JSON list), with the least number of
 *   read films before the hub may stop it on its own, who started it and when, and how it ended (stopped by an admin
 *   or by the hub, or promoted: then the rollout it started).
 * - `result_shadows`: the candidate's output on a stored result (the result's `shadow`: version, calibrated
 *   probabilities, findings, tier, score), one row per result, written in the result's own transaction.
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

const tables = (text: string, real: string, big: string) => `
  CREATE TABLE shadows (
    id ${text} PRIMARY KEY,
    version ${text} NOT NULL,
    sites ${text} NOT NULL,
    status ${text} NOT NULL CHECK (status IN ('running', 'stopped', 'promoted')),
    min_reads INTEGER NOT NULL,
    created_by ${text} NOT NULL,
    created_at ${text} NOT NULL,
    ended_by ${text},
    ended_at ${text},
    end_reason ${text},
    rollout_id ${text},
    updated_at ${text} NOT NULL
  );
  CREATE TABLE result_shadows (
    result_row ${big} PRIMARY KEY,
    version ${text} NOT NULL,
    flags ${text} NOT NULL,
    probabilities ${text} NOT NULL,
    tier ${text} NOT NULL,
    score ${real} NOT NULL
  );
  CREATE INDEX result_shadows_version ON result_shadows (version);
`;

export const shadows: Migration = {
  name: 'shadows',
  sqlite: tables('TEXT', 'REAL', 'INTEGER'),
  postgres: tables(T, 'DOUBLE PRECISION', 'BIGINT'),
};
