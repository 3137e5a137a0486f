/**
 * Grouped SQLite commits. Writes that arrive while the event loop is busy are committed together in ONE
 * transaction, each inside its own savepoint: a write that throws is rolled back alone and its caller gets the
 * error; the others commit. Each caller's promise resolves only after the transaction is on disk, so nothing that
 * follows a commit (moving the file, publishing the result) can happen for a write a crash could still lose: the
 * crash guarantees are those of one transaction per file. In: the database, the path of its write-ahead log and
 * synchronous work functions. Out: each function's return value.
 * The disk flush runs off the event loop. The database is in WAL mode with synchronous=FULL, where SQLite would
 * fsync the log inside COMMIT, blocking this thread for the disk's flush time (3–8 ms a file on the build VM,
 * docs/agent.md "Measured"). A group is committed with synchronous=NORMAL (the log written, not yet flushed; the
 * connection goes back to FULL at once, so every other writer keeps its own flush) and then the log is flushed with
 * fdatasync on libuv's thread pool before any caller hears of it: the same durability as FULL — a power cut before
 * the flush loses only writes nobody acted on — while the next group is already being written. NORMAL still
 * flushes around checkpoints, so the database file itself is never left behind its log.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  #pending: Pending[] = [];
  #scheduled = false;
  #groups = 0;
  #writes = 0;

  readonly #log: { flush(): Promise<void>; close(): void };

  /**
   * `walPath`: the database's `-wal` file (undefined for an in-memory database: nothing to flush). `flushLog`
   * replaces the fdatasync of that file (tests).
   */
  constructor(
    readonly db: Database.Database,
    walPath: string | undefined,
    flushLog?: () => Promise<void>,
  ) {
    const none = { flush: async () => {}, close: () => {} };
    this.#log = flushLog ? { ...none, flush: flushLog } : walPath === undefined ? none : new LogFile(walPath);
  }

  /** Closes the log file's descriptor (after the last write). */
  close(): void {
    this.#log.close();
  }

  /** Transactions committed and writes in them, since start (writes / groups = the mean group size). */
  get stats(): { groups: number; writes: number } {
    return { groups: this.#groups, writes: this.#writes };
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as Pending['resolve'], reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const group = this.#pending;
    this.#pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.pragma('synchronous = NORMAL'); // this transaction only: the log is flushed below, off this thread
      this.db.transaction(() => {
        for (const one of group) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(one.work)() }); // nested: a savepoint
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const one of group) one.reject(error); // the commit itself failed: nothing of the group is stored
      return;
    } finally {
      if (this.db.open) this.db.pragma('synchronous = FULL');
    }
    this.#groups += 1;
    this.#writes += group.length;
    this.#log.flush().then(
      () =>
        group.forEach((one, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) one.resolve(outcome.value);
          else one.reject(outcome?.error);
        }),
      (error: unknown) => {
        for (const one of group) one.reject(error); // not known to be on disk: nobody may act on it
      },
    );
  }
}

/** The log file, flushed with fdatasync on the thread pool (Linux flushes the file, whichever descriptor wrote it). */
class LogFile {
  #fd: number | undefined;

  constructor(readonly path: string) {}

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.#fd ??= openSync(this.path, 'r'); // it exists once the database is in WAL mode and written to
      } catch (error) {
        reject(error);
        return;
      }
      fdatasync(this.#fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
