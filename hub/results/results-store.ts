/**
 * Stored results: idempotent batch insert (the UNIQUE result_id makes a re-sent result a 'duplicate'),
 * the keyset-paginated worklist, and one study's detail. Worklist order is `rank, scored_ms, id`; each
 * filter combination is served by one of the covering indexes (migrations/0001), and the cursor is a
 * row-value comparison that seeks the index, so a deep page costs what the first one does.
 */
import { type Selectable, sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import type { ResultsTable } from '../db/tables.ts';
import type { ResultRow, StudySummary } from './result-row.ts';
import { summaryOf } from './result-row.ts';

export type InsertOutcome = 'stored' | 'duplicate';
export type StoredResult = Selectable<ResultsTable>;

export interface WorklistQuery {
  site?: string;
  status?: 'unread' | 'reviewed' | 'all';
  flagged?: boolean;
  flag?: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
  cursor?: WorklistCursor;
}

/** Position after the last item of a page: [rank, scored_ms, id]. */
export type WorklistCursor = [number, number, number];

export interface WorklistPage {
  items: StudySummary[];
  next?: WorklistCursor;
}

export interface ResultsStore {
  /** Inserts all rows in ONE transaction; resolves once it is committed. */
  insertMany(rows: readonly ResultRow[]): Promise<InsertOutcome[]>;
  worklist(query: WorklistQuery): Promise<WorklistPage>;
  get(resultId: string): Promise<StoredResult | undefined>;
}

/** Rows per INSERT: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters (25 per row). */
const ROWS_PER_STATEMENT = 1000;

export function createResultsStore(db: HubDb): ResultsStore {
  async function insertMany(tx: HubDb, rows: readonly ResultRow[]): Promise<InsertOutcome[]> {
    const idOf = new Map<string, number>();
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const inserted = await tx.kysely
        .insertInto('results')
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) => oc.column('result_id').doNothing())
        .returning(['id', 'result_id'])
        .execute();
      for (const r of inserted) idOf.set(r.result_id, r.id);
    }
    // A row is stored when the insert returned its id, and only its first copy in the batch counts.
    const seen = new Set<string>();
    const outcomes = rows.map((row): InsertOutcome => {
      const first = !seen.has(row.result_id);
      seen.add(row.result_id);
      return first && idOf.has(row.result_id) ? 'stored' : 'duplicate';
    });
    const stored = rows.filter((_, i) => outcomes[i] === 'stored');
    const flags = stored.flatMap((row) =>
      (JSON.parse(row.flags) as string[]).map((cls) => ({ result_row: idOf.get(row.result_id)!, class: cls })),
    );
    for (let i = 0; i < flags.length; i += ROWS_PER_STATEMENT) {
      await tx.kysely
        .insertInto('result_flags')
        .values(flags.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
    }
    const perAgent = new Map<string, { site: string; agent: string; results: number }>();
    for (const row of stored) {
      const key = `${row.site}/${row.agent}`;
      const entry = perAgent.get(key) ?? { site: row.site, agent: row.agent, results: 0 };
      entry.results++;
      perAgent.set(key, entry);
    }
    for (const counts of perAgent.values()) {
      await tx.kysely
        .insertInto('agents')
        .values(counts)
        .onConflict((oc) =>
          oc.columns(['site', 'agent']).doUpdateSet({ results: sql`agents.results + excluded.results` }),
        )
        .execute();
    }
    return outcomes;
  }

  return {
    insertMany: (rows) => db.transaction((tx) => insertMany(tx, rows)),
    get: (resultId) => db.kysely.selectFrom('results').selectAll().where('result_id', '=', resultId).executeTakeFirst(),
    async worklist(query) {
      let select = db.kysely.selectFrom('results').selectAll();
      if (query.site !== undefined) select = select.where('site', '=', query.site);
      if (query.status !== undefined && query.status !== 'all') select = select.where('status', '=', query.status);
      if (query.flagged !== undefined) select = select.where('rank', query.flagged ? '<' : '=', 9);
      if (query.flag !== undefined) {
        const flag = query.flag;
        select = select.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('result_flags as f')
              .select(sql`1`.as('one'))
              .where('f.class', '=', flag)
              .whereRef('f.result_row', '=', 'results.id'),
          ),
        );
      }
      if (query.fromMs !== undefined) select = select.where('scored_ms', '>=', query.fromMs);
      if (query.toMs !== undefined) select = select.where('scored_ms', '<', query.toMs);
      if (query.cursor !== undefined) {
        const [rank, scoredMs, id] = query.cursor;
        select = select.where(({ eb, refTuple, tuple }) =>
          eb(refTuple('rank', 'scored_ms', 'id'), '>', tuple(rank, scoredMs, id)),
        );
      }
      const rows = await select
        .orderBy('rank')
        .orderBy('scored_ms')
        .orderBy('id')
        .limit(query.limit + 1)
        .execute();
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(summaryOf),
        ...(rows.length > query.limit && last ? { next: [last.rank, last.scored_ms, last.id] as WorklistCursor } : {}),
      };
    },
  };
}
