/**
 * Migration 3: leases for single-active background jobs (hub/db/lease.ts). `token` grows by one at each
 * change of holder, so a job can tell a write of its own term from one of an earlier term (fencing).
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

export const leases: Migration = {
  name: 'leases',
  sqlite: `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
  );
  `,
  postgres: `
  CREATE TABLE leases (
    name ${T} PRIMARY KEY,
    holder ${T} NOT NULL,
    token BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
  );
  `,
};
