/**
 * Fills in the triage of results stored before migration 5 (their `triage` is NULL): read from each result's own
 * flags with the legacy class roles (result-triage.ts), waiting measured from receipt. Runs at start, in batches of
 * `batch` rows per transaction, until none is left; idempotent (a row is only touched while its triage is NULL).
 */
import type { Logger } from 'pino';
import type { ResultMessage } from '../../protocol/messages.ts';
import type { HubDb } from '../db/database.ts';
import { triageColumns } from './result-row.ts';
import { triageOfMessage } from './result-triage.ts';

export async function backfillTriage(db: HubDb, log: Logger, batch = 500): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await db.kysely
      .selectFrom('results')
      .select(['id', 'classes', 'probabilities', 'flags', 'received_at'])
      .where('triage', 'is', null)
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    await db.transaction(async (tx) => {
      for (const row of rows) {
        const legacy = {
          classes: JSON.parse(row.classes),
          probabilities: JSON.parse(row.probabilities),
          flags: JSON.parse(row.flags),
        } as Pick<ResultMessage, 'classes' | 'probabilities' | 'flags'> as ResultMessage;
        const columns = triageColumns(triageOfMessage(legacy));
        await tx.kysely
          .updateTable('results')
          .set({ ...columns, arrived_ms: Date.parse(row.received_at) })
          .where('id', '=', row.id)
          .where('triage', 'is', null)
          .execute();
        await tx.kysely.deleteFrom('result_flags').where('result_row', '=', row.id).execute();
        const findings = JSON.parse(columns.flags) as string[];
        if (findings.length > 0) {
          await tx.kysely
            .insertInto('result_flags')
            .values(findings.map((c) => ({ result_row: row.id, class: c })))
            .execute();
        }
      }
    });
    done += rows.length;
  }
  if (done > 0) log.info({ results: done }, 'triage filled in for results stored before the triage policy');
  return done;
}
