/**
 * The append-only audit log: who did what, when, with the state before and after. Triggers in the
 * schema refuse UPDATE and DELETE, so even a bug here cannot rewrite history.
 */
import type { HubDb } from './db.ts';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditStore {
  /** Appends an entry; call inside the transaction that makes the change. */
  append(entry: AuditInput, at: Date): number;
  list(query: { limit: number; beforeId?: number; target?: string; actor?: string }): AuditEntry[];
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function createAuditStore(db: HubDb): AuditStore {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)',
  );
  return {
    append(entry, at) {
      const info = insert.run(
        at.toISOString(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      );
      return Number(info.lastInsertRowid);
    },
    list(query) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.beforeId !== undefined) {
        where.push('id < ?');
        params.push(query.beforeId);
      }
      if (query.target !== undefined) {
        where.push('target = ?');
        params.push(query.target);
      }
      if (query.actor !== undefined) {
        where.push('actor = ?');
        params.push(query.actor);
      }
      const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      const rows = db.prepare(sql).all(...params, query.limit) as AuditRow[];
      return rows.map((row) => ({ ...row, before: parse(row.before), after: parse(row.after) }));
    },
  };
}
