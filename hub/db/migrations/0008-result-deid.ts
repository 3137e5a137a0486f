/**
 * Migration 8: what the clinic's agent did about burned-in text before the film's pixels left (the result's
 * `deid`: pixels sent or withheld and why, how many regions were masked, laterality markers kept), so the viewer
 * can say it. Results stored before it have NULL (not recorded).
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

export const resultDeid: Migration = {
  name: 'result-deid',
  sqlite: 'ALTER TABLE results ADD COLUMN deid TEXT;',
  postgres: `ALTER TABLE results ADD COLUMN deid ${T};`,
};
