/**
 * Migration 4: the report outbox (hub/reports/): each signed read or addendum waiting for its agent's
 * `report/ack`, keyed by (result_id, version) so enqueueing twice keeps one row. `state` is `pending` until
 * the agent acks (the row is then deleted) or `rejected` when the agent refused it for good (kept for a human).
 */
import { type Migration, PG_TEXT as T } from './migration.ts';

export const reportOutbox: Migration = {
  name: 'report-outbox',
  sqlite: `
  CREATE TABLE report_outbox (
    result_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0,
    last_sent_ms INTEGER,
    state TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    PRIMARY KEY (result_id, version)
  );
  CREATE INDEX report_outbox_state ON report_outbox (state, site, agent);
  `,
  postgres: `
  CREATE TABLE report_outbox (
    result_id ${T} NOT NULL,
    version INTEGER NOT NULL,
    site ${T} NOT NULL,
    agent ${T} NOT NULL,
    payload ${T} NOT NULL,
    created_ms BIGINT NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0,
    last_sent_ms BIGINT,
    state ${T} NOT NULL DEFAULT 'pending',
    reason ${T},
    PRIMARY KEY (result_id, version)
  );
  CREATE INDEX report_outbox_state ON report_outbox (state, site, agent);
  `,
};
