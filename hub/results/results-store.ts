/**
 * Stored results: idempotent batch insert (the UNIQUE result_id makes a re-sent result a 'duplicate'), the
 * keyset-paginated worklist in any of its orders (worklist-order.ts) with its filters (site, status, tiers,
 * finding, arrival window, claimed), and one study with its live claim.
 */
import { type Selectable, sql } from 'kysely';
import type { Tier } from '../../models/triage/triage-policy.ts';
import type { ShadowOutput } from '../../protocol/messages.ts';
import type { HubDb } from '../db/database.ts';
import type { ResultsTable } from '../db/tables.ts';
import { insertResultShadows } from '../shadows/result-shadows-store.ts';
import type { ResultRow, StudySummary } from './result-row.ts';
import { summaryOf } from './result-row.ts';
import { cursorOf, KEYSETS, type WorklistCursor, type WorklistSort } from './worklist-order.ts';

export type InsertOutcome = 'stored' | 'duplicate';
export type StoredResult = Selectable<ResultsTable>;
export interface LiveClaim {
  holder: string;
  claimed_at: string;
  expires_ms: number;
}

export interface WorklistQuery {
  sort?: WorklistSort;
  site?: string;
  status?: 'unread' | 'reviewed' | 'all';
  tiers?: readonly Tier[];
  /** Only studies where the AI called this finding. */
  finding?: string;
  /** Arrival window: from inclusive, to exclusive (epoch ms). */
  fromMs?: number;
  toMs?: number;
  claimed?: { kind: 'unclaimed' | 'mine' | 'others'; user: string };
  limit: number;
  cursor?: WorklistCursor;
  /** The time claims are live at. */
  nowMs: number;
}

export interface WorklistPage {
  items: StudySummary[];
  next?: WorklistCursor;
}

export interface ResultsStore {
  /**
   * Inserts all rows in ONE transaction; resolves once it is committed. `shadows[i]` is row i's live shadow output
   * (hub/shadows/), stored in the same transaction.
   */
  insertMany(rows: readonly ResultRow[], shadows?: readonly (ShadowOutput | undefined)[]): Promise<InsertOutcome[]>;
  worklist(query: WorklistQuery): Promise<WorklistPage>;
  get(resultId: string, nowMs: number): Promise<{ row: StoredResult; claim: LiveClaim | null } | undefined>;
}

/** Rows per INSERT: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters (~35 per row). */
const ROWS_PER_STATEMENT = 500;
/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

export function createResultsStore(db: HubDb): ResultsStore {
  async function insertMany(
    tx: HubDb,
    rows: readonly ResultRow[],
    shadows: readonly (ShadowOutput | undefined)[] = [],
  ): Promise<InsertOutcome[]> {
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
    await insertResultShadows(
      tx,
      rows.flatMap((row, i) => {
        const shadow = shadows[i];
        return outcomes[i] === 'stored' && shadow ? [{ resultRow: idOf.get(row.result_id)!, shadow }] : [];
      }),
    );
    // Every agent's counter in ONE statement, rows in (site, agent) order: replicas committing batches of the
    // same agents lock those rows in the same order, so they wait for each other but never deadlock (a deadlock
    // aborted a batch, which then waited `nats.ackWaitS` for redelivery: docs/scale-out.md).
    const perAgent = new Map<string, { site: string; agent: string; results: number }>();
    for (const row of stored) {
      const key = `${row.site}\u0000${row.agent}`;
      const entry = perAgent.get(key) ?? { site: row.site, agent: row.agent, results: 0 };
      entry.results++;
      perAgent.set(key, entry);
    }
    const counts = [...perAgent.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
    if (counts.length > 0) {
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
    async insertMany(rows, shadows) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) => insertMany(tx, rows, shadows));
        } catch (error) {
          // Two replicas inserting the same result id (a redelivery race) can still deadlock in the unique index:
          // PostgreSQL aborts one; that batch is tried again at once instead of waiting for redelivery.
          if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has((error as { code?: string }).code ?? '')) throw error;
        }
      }
    },
    async get(resultId, nowMs) {
      const row = await db.kysely
        .selectFrom('results')
        .selectAll()
        .where('result_id', '=', resultId)
        .executeTakeFirst();
      if (!row) return undefined;
      const claim = await db.kysely
        .selectFrom('claims')
        .select(['holder', 'claimed_at', 'expires_ms'])
        .where('result_row', '=', row.id)
        .where('expires_ms', '>', nowMs)
        .executeTakeFirst();
      return { row, claim: claim ?? null };
    },
    async worklist(query) {
      const sort = query.sort ?? 'triage';
      const keyset = KEYSETS[sort];
      let select = db.kysely
        .selectFrom('results')
        .leftJoin('claims', (join) =>
          join.onRef('claims.result_row', '=', 'results.id').on('claims.expires_ms', '>', query.nowMs),
        )
        // Only what a worklist row shows (SummarySource), not the study's detail columns.
        .select([
          'results.id',
          'results.result_id',
          'results.site',
          'results.agent',
          'results.study_key',
          'results.tier',
          'results.tier_rank',
          'results.score',
          'results.score_key',
          'results.triage',
          'results.probabilities',
          'results.classes',
          'results.flags',
          'results.arrived_ms',
          'results.acquired',
          'results.scored_at',
          'results.status',
          'results.signed_ms',
          'results.model_name',
          'results.model_version',
          'claims.holder',
          'claims.claimed_at',
          'claims.expires_ms',
        ]);
      if (query.site !== undefined) select = select.where('results.site', '=', query.site);
      if (query.status !== undefined && query.status !== 'all')
        select = select.where('results.status', '=', query.status);
      if (query.tiers !== undefined && query.tiers.length > 0)
        select = select.where('results.tier', 'in', [...query.tiers]);
      if (query.finding !== undefined) {
        const finding = query.finding;
        select = select.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('result_flags as f')
              .select(sql`1`.as('one'))
              .where('f.class', '=', finding)
              .whereRef('f.result_row', '=', 'results.id'),
          ),
        );
      }
      if (query.fromMs !== undefined) select = select.where('results.arrived_ms', '>=', query.fromMs);
      if (query.toMs !== undefined) select = select.where('results.arrived_ms', '<', query.toMs);
      const claimed = query.claimed;
      // The join keeps only live claims, so "no holder" is "not being read".
      if (claimed?.kind === 'unclaimed') select = select.where('claims.holder', 'is', null);
      if (claimed?.kind === 'mine') select = select.where('claims.holder', '=', claimed.user);
      if (claimed?.kind === 'others')
        select = select.where('claims.holder', 'is not', null).where('claims.holder', '!=', claimed.user);
      const columns = keyset.columns.map((c) => `results.${c}` as const);
      if (query.cursor !== undefined) {
        const values = query.cursor.values;
        select = select.where(({ eb, refTuple, tuple }) =>
          columns.length === 4
            ? eb(
                refTuple(columns[0]!, columns[1]!, columns[2]!, columns[3]!),
                keyset.descending ? '<' : '>',
                tuple(values[0]!, values[1]!, values[2]!, values[3]!),
              )
            : columns.length === 3
              ? eb(
                  refTuple(columns[0]!, columns[1]!, columns[2]!),
                  keyset.descending ? '<' : '>',
                  tuple(values[0]!, values[1]!, values[2]!),
                )
              : eb(refTuple(columns[0]!, columns[1]!), keyset.descending ? '<' : '>', tuple(values[0]!, values[1]!)),
        );
      }
      for (const column of columns) select = select.orderBy(column, keyset.descending ? 'desc' : 'asc');
      const rows = await select.limit(query.limit + 1).execute();
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) =>
          summaryOf(
            r,
            r.holder === null
              ? null
              : { holder: r.holder, claimed_at: r.claimed_at as string, expires_ms: r.expires_ms as number },
          ),
        ),
        ...(rows.length > query.limit && last ? { next: cursorOf(sort, last) } : {}),
      };
    },
  };
}
