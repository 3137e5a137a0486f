/**
 * Stored results: idempotent batch insert (the UNIQUE result_id makes a re-sent result a 'duplicate'),
 * the keyset-paginated worklist, and one study's detail.
 */
import type { Statement } from 'better-sqlite3';
import type { HubDb } from './db.ts';
import type { ResultRow, StudySummary } from './result-row.ts';
import { summaryOf } from './result-row.ts';

export type InsertOutcome = 'stored' | 'duplicate';

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
  /** Inserts all rows in ONE transaction; returns once it is committed. */
  insertMany(rows: readonly ResultRow[]): InsertOutcome[];
  worklist(query: WorklistQuery): WorklistPage;
  get(resultId: string): (ResultRow & { id: number; status: string }) | undefined;
}

const COLUMNS = [
  'result_id',
  'site',
  'agent',
  'image_key',
  'study_key',
  'patient_key',
  'received_at',
  'scored_at',
  'scored_ms',
  'ingested_at',
  'model_name',
  'model_version',
  'runtime',
  'rank',
  'flagged',
  'max_probability',
  'classes',
  'probabilities',
  'flags',
  'timings',
  'image',
  'preview_sha256',
  'preview_mime',
  'heatmap_sha256',
  'heatmap_mime',
] as const;

export function createResultsStore(db: HubDb): ResultsStore {
  const insert = db.prepare(
    `INSERT INTO results (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
     ON CONFLICT (result_id) DO NOTHING`,
  );
  const insertFlag = db.prepare('INSERT INTO result_flags (result_row, class) VALUES (?, ?)');
  const countForAgent = db.prepare(
    `INSERT INTO agents (site, agent, results) VALUES (?, ?, 1)
     ON CONFLICT (site, agent) DO UPDATE SET results = results + 1`,
  );
  const byId = db.prepare('SELECT * FROM results WHERE result_id = ?');
  const worklistStatements = new Map<string, Statement<unknown[]>>();
  const prepareCached = (sql: string) => {
    let statement = worklistStatements.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(sql);
      worklistStatements.set(sql, statement);
    }
    return statement;
  };

  const insertMany = db.transaction((rows: readonly ResultRow[]): InsertOutcome[] =>
    rows.map((row) => {
      const info = insert.run(row);
      if (info.changes === 0) return 'duplicate';
      for (const cls of JSON.parse(row.flags) as string[]) insertFlag.run(info.lastInsertRowid, cls);
      countForAgent.run(row.site, row.agent);
      return 'stored';
    }),
  );

  return {
    insertMany: (rows) => insertMany(rows),
    get: (resultId) => byId.get(resultId) as (ResultRow & { id: number; status: string }) | undefined,
    worklist(query) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.site !== undefined) {
        where.push('site = ?');
        params.push(query.site);
      }
      if (query.status !== undefined && query.status !== 'all') {
        where.push('status = ?');
        params.push(query.status);
      }
      if (query.flagged !== undefined) where.push(query.flagged ? 'rank < 9' : 'rank = 9');
      if (query.flag !== undefined) {
        where.push('EXISTS (SELECT 1 FROM result_flags f WHERE f.class = ? AND f.result_row = results.id)');
        params.push(query.flag);
      }
      if (query.fromMs !== undefined) {
        where.push('scored_ms >= ?');
        params.push(query.fromMs);
      }
      if (query.toMs !== undefined) {
        where.push('scored_ms < ?');
        params.push(query.toMs);
      }
      if (query.cursor !== undefined) {
        where.push('(rank, scored_ms, id) > (?, ?, ?)');
        params.push(...query.cursor);
      }
      const sql = `SELECT * FROM results ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY rank, scored_ms, id LIMIT ?`;
      const rows = prepareCached(sql).all(...params, query.limit + 1) as (ResultRow & { id: number; status: string })[];
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(summaryOf),
        ...(rows.length > query.limit && last ? { next: [last.rank, last.scored_ms, last.id] as WorklistCursor } : {}),
      };
    },
  };
}
