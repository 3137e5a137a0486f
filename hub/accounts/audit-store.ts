/**
 * The append-only audit log: who did what, when, with the state before and after. Triggers in the
 * schema refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), so even a bug here cannot rewrite history.
 */
import type { HubDb } from '../db/database.ts';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  /** The client address the change came from, when it came over HTTP. */
  source: string | null;
}

export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  before?: unknown;
  after?: unknown;
  source?: string;
}

export interface AuditQuery {
  limit: number;
  beforeId?: number;
  target?: string;
  actor?: string;
  action?: string;
}

export interface AuditStore {
  /** Appends an entry; call it with the transaction's HubDb of the change it records. */
  append(entry: AuditInput, at: Date): Promise<number>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
}

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
const text = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export function createAuditStore(db: HubDb): AuditStore {
  return {
    async append(entry, at) {
      const row = await db.kysely
        .insertInto('audit_log')
        .values({
          at: at.toISOString(),
          actor: entry.actor,
          action: entry.action,
          target: entry.target ?? null,
          before: text(entry.before),
          after: text(entry.after),
          source: entry.source ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async list(query) {
      let select = db.kysely.selectFrom('audit_log').selectAll();
      if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
      if (query.target !== undefined) select = select.where('target', '=', query.target);
      if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
      if (query.action !== undefined) select = select.where('action', '=', query.action);
      const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map((row) => ({ ...row, before: parse(row.before), after: parse(row.after) }));
    },
  };
}
