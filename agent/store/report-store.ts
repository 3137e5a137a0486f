/**
 * Reports received from the hub (protocol ClinicReport), kept on the agent with their local delivery state:
 * the files written into the clinic's results folder and, when configured, the C-STORE to the clinic's PACS.
 * A report is stored (synchronous=FULL) before the hub is acked, so after the ack the clinic side owns it:
 * deliveries that fail (folder unwritable, PACS down) are retried with backoff until they succeed.
 * Idempotent by (resultId, version): a report the hub sends again is a duplicate and changes nothing.
 */
import type Database from 'better-sqlite3';
import type { ClinicReport } from '../../protocol/messages.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clinic_reports (
  result_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  files_at INTEGER,
  pacs_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  PRIMARY KEY (result_id, version)
);
CREATE INDEX IF NOT EXISTS clinic_reports_due ON clinic_reports (next_attempt_at) WHERE files_at IS NULL OR pacs_at IS NULL;
`;

export interface StoredReport {
  report: ClinicReport;
  receivedAt: number;
  /** When the PDF/JSON/SR files were written; undefined while pending. */
  filesAt?: number;
  /** When the PACS accepted the SR and Secondary Capture; undefined while pending or when no PACS is set. */
  pacsAt?: number;
  attempts: number;
  lastError?: string;
}

interface Row {
  payload: string;
  received_at: number;
  files_at: number | null;
  pacs_at: number | null;
  attempts: number;
  last_error: string | null;
}

function fromRow(row: Row): StoredReport {
  return {
    report: JSON.parse(row.payload) as ClinicReport,
    receivedAt: row.received_at,
    ...(row.files_at === null ? {} : { filesAt: row.files_at }),
    ...(row.pacs_at === null ? {} : { pacsAt: row.pacs_at }),
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
}

const COLUMNS = 'payload, received_at, files_at, pacs_at, attempts, last_error';

export class ReportStore {
  readonly #stmts;

  /** `pacs`: whether a PACS is configured (without one, the PACS step counts as done). */
  constructor(
    db: Database.Database,
    readonly pacs: boolean,
  ) {
    db.exec(SCHEMA);
    this.#stmts = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO clinic_reports (result_id, version, payload, received_at, pacs_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      due: db.prepare(
        `SELECT ${COLUMNS} FROM clinic_reports WHERE (files_at IS NULL OR pacs_at IS NULL) AND next_attempt_at <= ?
         ORDER BY next_attempt_at, received_at LIMIT ?`,
      ),
      filesDone: db.prepare('UPDATE clinic_reports SET files_at = ? WHERE result_id = ? AND version = ?'),
      pacsDone: db.prepare('UPDATE clinic_reports SET pacs_at = ? WHERE result_id = ? AND version = ?'),
      failed: db.prepare(
        `UPDATE clinic_reports SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
         WHERE result_id = ? AND version = ?`,
      ),
      forResult: db.prepare(`SELECT ${COLUMNS} FROM clinic_reports WHERE result_id = ? ORDER BY version`),
      pending: db.prepare('SELECT COUNT(*) AS n FROM clinic_reports WHERE files_at IS NULL OR pacs_at IS NULL'),
    };
  }

  /** Stores a report from the hub; 'duplicate' when this (resultId, version) is already here. */
  receive(report: ClinicReport, now: number): 'stored' | 'duplicate' {
    const pacsAt = this.pacs ? null : now;
    const inserted = this.#stmts.insert.run(report.resultId, report.version, JSON.stringify(report), now, pacsAt, now);
    return inserted.changes === 1 ? 'stored' : 'duplicate';
  }

  due(now: number, limit: number): StoredReport[] {
    return (this.#stmts.due.all(now, limit) as Row[]).map(fromRow);
  }

  filesWritten(report: Pick<ClinicReport, 'resultId' | 'version'>, now: number): void {
    this.#stmts.filesDone.run(now, report.resultId, report.version);
  }

  sentToPacs(report: Pick<ClinicReport, 'resultId' | 'version'>, now: number): void {
    this.#stmts.pacsDone.run(now, report.resultId, report.version);
  }

  failed(report: Pick<ClinicReport, 'resultId' | 'version'>, error: string, nextAttemptAt: number): void {
    this.#stmts.failed.run(nextAttemptAt, error.slice(0, 1000), report.resultId, report.version);
  }

  /** Every version of the read of one result, oldest first. */
  forResult(resultId: string): StoredReport[] {
    return (this.#stmts.forResult.all(resultId) as Row[]).map(fromRow);
  }

  pendingCount(): number {
    return (this.#stmts.pending.get() as { n: number }).n;
  }
}

/** A sink for the hub's reports that only keeps them (an agent without `clinic` config). */
export function keepReports(store: ReportStore, now: () => number) {
  return { receive: (report: ClinicReport) => store.receive(report, now()) };
}
