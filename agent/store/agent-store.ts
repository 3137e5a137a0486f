/**
 * The agent's durable state: which images were handled (by content hash), and the outbox of results not yet
 * acked by the hub. A file's record and its outbox row commit in ONE transaction (ARCHITECTURE.md "Delivery").
 */
import type Database from 'better-sqlite3';

export interface KnownFile {
  status: 'scored' | 'quarantined';
  errorCode: string | null;
  errorMessage: string | null;
}

export interface FileFacts {
  sha256: string;
  /** Kept locally only (leave-policy folders), never logged or sent. */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  rememberPath: boolean;
}

export interface OutboxRow {
  id: number;
  resultId: string;
  payload: string;
  createdAt: number;
  attempts: number;
}

export class AgentStore {
  readonly #db: Database.Database;
  readonly #stmts;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#stmts = {
      known: db.prepare(
        'SELECT status, error_code AS errorCode, error_message AS errorMessage FROM files WHERE sha256 = ?',
      ),
      seen: db.prepare('SELECT size, mtime_ms AS mtimeMs, sha256 FROM seen_paths WHERE path = ?'),
      remember: db.prepare('INSERT OR REPLACE INTO seen_paths (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)'),
      insertFile: db.prepare(
        'INSERT OR IGNORE INTO files (sha256, status, result_id, error_code, error_message, done_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertOutbox: db.prepare(
        'INSERT OR IGNORE INTO outbox (result_id, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?)',
      ),
      due: db.prepare(
        'SELECT id, result_id AS resultId, payload, created_at AS createdAt, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?',
      ),
      markSent: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?'),
      byResult: db.prepare('SELECT id, payload, created_at AS createdAt FROM outbox WHERE result_id = ?'),
      deleteRow: db.prepare('DELETE FROM outbox WHERE result_id = ?'),
      reject: db.prepare('INSERT OR REPLACE INTO rejected (result_id, reason, payload, at) VALUES (?, ?, ?, ?)'),
      resetBackoff: db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE next_attempt_at > ?'),
      outboxSize: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
      oldest: db.prepare('SELECT MIN(created_at) AS t FROM outbox'),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM files GROUP BY status'),
    };
  }

  knownFile(sha256: string): KnownFile | undefined {
    return this.#stmts.known.get(sha256) as KnownFile | undefined;
  }

  /** For leave-policy folders: the facts a path had when it was last handled. */
  seenPath(path: string): { size: number; mtimeMs: number; sha256: string } | undefined {
    return this.#stmts.seen.get(path) as { size: number; mtimeMs: number; sha256: string } | undefined;
  }

  rememberPath(facts: FileFacts): void {
    if (facts.rememberPath)
      this.#stmts.remember.run(facts.path, facts.sizeBytes, Math.floor(facts.mtimeMs), facts.sha256);
  }

  /**
   * The file record and its outbox row, atomically (one fsync'd transaction). Returns false when the same
   * content was committed meanwhile (two copies in flight at once): nothing is added then.
   */
  commitScored(facts: FileFacts, resultId: string, payload: string, now: number): boolean {
    return this.#db.transaction(() => {
      this.rememberPath(facts);
      if (this.#stmts.insertFile.run(facts.sha256, 'scored', resultId, null, null, now).changes === 0) return false;
      this.#stmts.insertOutbox.run(resultId, payload, now, now);
      return true;
    })();
  }

  commitQuarantined(facts: FileFacts, code: string, message: string, now: number): void {
    this.#db.transaction(() => {
      this.#stmts.insertFile.run(facts.sha256, 'quarantined', null, code, message, now);
      this.rememberPath(facts);
    })();
  }

  dueOutbox(now: number, limit: number): OutboxRow[] {
    return this.#stmts.due.all(now, limit) as OutboxRow[];
  }

  markSent(id: number, nextAttemptAt: number): void {
    this.#stmts.markSent.run(nextAttemptAt, id);
  }

  /** Deletes the row the hub acked; returns when it was created (for sync lag), or undefined if unknown. */
  ack(resultId: string): number | undefined {
    const row = this.#stmts.byResult.get(resultId) as { createdAt: number } | undefined;
    if (row) this.#stmts.deleteRow.run(resultId);
    return row?.createdAt;
  }

  /** The hub refused the message for good: keep it aside for a human, out of the resend loop. */
  reject(resultId: string, reason: string, now: number): boolean {
    const row = this.#stmts.byResult.get(resultId) as { payload: string } | undefined;
    if (!row) return false;
    this.#db.transaction(() => {
      this.#stmts.reject.run(resultId, reason, row.payload, now);
      this.#stmts.deleteRow.run(resultId);
    })();
    return true;
  }

  /** The link came back: everything waiting is due now. */
  resetBackoff(now: number): void {
    this.#stmts.resetBackoff.run(now, now);
  }

  outboxSize(): number {
    return (this.#stmts.outboxSize.get() as { n: number }).n;
  }

  oldestOutboxCreatedAt(): number | undefined {
    return (this.#stmts.oldest.get() as { t: number | null }).t ?? undefined;
  }

  fileCounts(): { scored: number; quarantined: number } {
    const out = { scored: 0, quarantined: 0 };
    for (const row of this.#stmts.counts.all() as { status: 'scored' | 'quarantined'; n: number }[])
      out[row.status] = row.n;
    return out;
  }

  close(): void {
    this.#db.close();
  }
}
