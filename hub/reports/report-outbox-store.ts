/**
 * The hub's report outbox (migration 0004): signed reads and addenda waiting for the agent that produced the
 * result to ack them on `report/ack`. Durable (a committed row survives hub restarts and days with the agent
 * offline) and idempotent: one row per (resultId, version), enqueueing again changes nothing. Acked rows are
 * deleted; rows the agent rejected stay with the reason and are no longer sent.
 */

import type { ClinicReport } from '../../protocol/messages.ts';
import type { HubDb } from '../db/database.ts';

export interface PendingReport {
  report: ClinicReport;
  sentCount: number;
  lastSentMs?: number;
}

export interface ReportOutboxStore {
  /** true when the row is new; false when this (resultId, version) was already enqueued. */
  enqueue(report: ClinicReport, nowMs: number): Promise<boolean>;
  /** Every pending report, oldest first (optionally only those not sent since `sentBeforeMs`). */
  pending(sentBeforeMs?: number): Promise<PendingReport[]>;
  markSent(resultId: string, version: number, nowMs: number): Promise<void>;
  /** The agent has it: the row goes. Returns whether there was one. */
  acked(resultId: string, version: number, site: string, agent: string): Promise<boolean>;
  rejected(resultId: string, version: number, site: string, agent: string, reason: string): Promise<boolean>;
  count(state: 'pending' | 'rejected'): Promise<number>;
}

export function createReportOutboxStore(db: HubDb): ReportOutboxStore {
  return {
    async enqueue(report, nowMs) {
      const inserted = await db.kysely
        .insertInto('report_outbox')
        .values({
          result_id: report.resultId,
          version: report.version,
          site: report.site,
          agent: report.agent,
          payload: JSON.stringify(report),
          created_ms: nowMs,
          last_sent_ms: null,
          reason: null,
        })
        .onConflict((oc) => oc.columns(['result_id', 'version']).doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async pending(sentBeforeMs) {
      let query = db.kysely
        .selectFrom('report_outbox')
        .select(['payload', 'sent_count', 'last_sent_ms'])
        .where('state', '=', 'pending');
      if (sentBeforeMs !== undefined)
        query = query.where((eb) => eb.or([eb('last_sent_ms', 'is', null), eb('last_sent_ms', '<', sentBeforeMs)]));
      const rows = await query.orderBy('created_ms').orderBy('result_id').orderBy('version').execute();
      return rows.map((row) => ({
        report: JSON.parse(row.payload) as ClinicReport,
        sentCount: Number(row.sent_count),
        ...(row.last_sent_ms === null ? {} : { lastSentMs: Number(row.last_sent_ms) }),
      }));
    },
    async markSent(resultId, version, nowMs) {
      await db.kysely
        .updateTable('report_outbox')
        .set((eb) => ({ sent_count: eb('sent_count', '+', 1), last_sent_ms: nowMs }))
        .where('result_id', '=', resultId)
        .where('version', '=', version)
        .execute();
    },
    async acked(resultId, version, site, agent) {
      const deleted = await db.kysely
        .deleteFrom('report_outbox')
        .where('result_id', '=', resultId)
        .where('version', '=', version)
        .where('site', '=', site)
        .where('agent', '=', agent)
        .executeTakeFirst();
      return Number(deleted.numDeletedRows) > 0;
    },
    async rejected(resultId, version, site, agent, reason) {
      const updated = await db.kysely
        .updateTable('report_outbox')
        .set({ state: 'rejected', reason: reason.slice(0, 1000) })
        .where('result_id', '=', resultId)
        .where('version', '=', version)
        .where('site', '=', site)
        .where('agent', '=', agent)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    },
    async count(state) {
      const row = await db.kysely
        .selectFrom('report_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', state)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
