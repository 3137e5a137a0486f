/**
 * The durable queue of diagnostic images waiting to go to the hub (docs/viewing.md). A film's lossless PNG is
 * written content-addressed to `<dir>/<sha256>.png` (temp file, fsync, rename, folder fsync) and then one row
 * per result is inserted in the agent's SQLite (synchronous=FULL), so a row always has its file. The row and,
 * when no other row names the same bytes, the file are deleted only after the hub has confirmed it holds
 * those bytes (by sha256). Enqueueing twice (a file scored again after a crash) changes nothing.
 * At start `sweep()` removes temp files and PNGs no row names (a crash between file and row).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { DiagnosticImage } from '../../protocol/pixel-messages.ts';
import { writeDurably } from './durable-file.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pixel_uploads (
  result_id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  image TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS pixel_uploads_due ON pixel_uploads (next_attempt_at);
CREATE INDEX IF NOT EXISTS pixel_uploads_sha ON pixel_uploads (sha256);
`;

export interface PendingUpload {
  resultId: string;
  image: DiagnosticImage;
  path: string;
  attempts: number;
  createdAt: number;
}

interface Row {
  result_id: string;
  sha256: string;
  image: string;
  attempts: number;
  created_at: number;
}

export class PixelQueue {
  readonly #dir: string;
  readonly #stmts;

  constructor(db: Database.Database, dir: string) {
    this.#dir = dir;
    db.exec(SCHEMA);
    this.#stmts = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO pixel_uploads (result_id, sha256, image, size_bytes, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      due: db.prepare(
        'SELECT result_id, sha256, image, attempts, created_at FROM pixel_uploads WHERE next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?',
      ),
      later: db.prepare(
        'UPDATE pixel_uploads SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE result_id = ?',
      ),
      remove: db.prepare('DELETE FROM pixel_uploads WHERE result_id = ?'),
      sharers: db.prepare('SELECT COUNT(*) AS n FROM pixel_uploads WHERE sha256 = ?'),
      count: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS bytes FROM pixel_uploads'),
      shas: db.prepare('SELECT DISTINCT sha256 FROM pixel_uploads'),
      resetBackoff: db.prepare('UPDATE pixel_uploads SET next_attempt_at = ? WHERE next_attempt_at > ?'),
    };
  }

  pathOf(sha256: string): string {
    return join(this.#dir, `${sha256}.png`);
  }

  /** Stores the PNG durably, then its row; resolves once both are on disk. */
  async enqueue(resultId: string, image: DiagnosticImage, png: Uint8Array, nowMs: number): Promise<void> {
    await this.storeImage(image, png);
    this.add(resultId, image, nowMs);
  }

  /** The PNG on disk (temp file, fsync, rename, folder fsync), content-addressed; before its row. */
  async storeImage(image: DiagnosticImage, png: Uint8Array): Promise<void> {
    const exists = statSync(this.pathOf(image.sha256), { throwIfNoEntry: false })?.size === png.byteLength;
    if (!exists) await writeDurably(this.#dir, `${image.sha256}.png`, png);
  }

  /** The upload row of a stored PNG (may run inside the caller's transaction, with the result's outbox row). */
  add(resultId: string, image: DiagnosticImage, nowMs: number): void {
    this.#stmts.insert.run(resultId, image.sha256, JSON.stringify(image), image.sizeBytes, nowMs, nowMs);
  }

  due(nowMs: number, limit: number): PendingUpload[] {
    return (this.#stmts.due.all(nowMs, limit) as Row[]).map((row) => ({
      resultId: row.result_id,
      image: JSON.parse(row.image) as DiagnosticImage,
      path: this.pathOf(row.sha256),
      attempts: row.attempts,
      createdAt: row.created_at,
    }));
  }

  retryLater(resultId: string, nextAttemptMs: number, code: string): void {
    this.#stmts.later.run(nextAttemptMs, code, resultId);
  }

  /** The hub holds the bytes: the row goes, and the file when no other result names it. */
  confirmed(resultId: string, sha256: string): void {
    this.#stmts.remove.run(resultId);
    if ((this.#stmts.sharers.get(sha256) as { n: number }).n === 0) rmSync(this.pathOf(sha256), { force: true });
  }

  /** The link or the hub came back: everything waiting is due now. */
  resetBackoff(nowMs: number): void {
    this.#stmts.resetBackoff.run(nowMs, nowMs);
  }

  size(): { uploads: number; bytes: number } {
    const row = this.#stmts.count.get() as { n: number; bytes: number };
    return { uploads: row.n, bytes: row.bytes };
  }

  /** Removes temp files and PNGs that no row names. Returns how many files went. */
  sweep(): number {
    const keep = new Set((this.#stmts.shas.all() as { sha256: string }[]).map((r) => `${r.sha256}.png`));
    if (!existsSync(this.#dir)) return 0; // nothing was ever queued
    let removed = 0;
    for (const name of readdirSync(this.#dir)) {
      if (keep.has(name)) continue;
      rmSync(join(this.#dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
