/**
 * Migration 11: `results.score` in double precision on PostgreSQL. Migration 5 declared it REAL on both engines;
 * SQLite's REAL is a double, PostgreSQL's a single-precision float, so a score of 0.123456789 came back as
 * 0.12345679 from PostgreSQL only (found by the priors store's contract suite). SQLite needs no change.
 */
import type { Migration } from './migration.ts';

export const scoreDouble: Migration = {
  name: 'score-double',
  sqlite: '',
  postgres: 'ALTER TABLE results ALTER COLUMN score TYPE DOUBLE PRECISION;',
};
