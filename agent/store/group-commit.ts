/**
 * Grouped SQLite commits. Writes that arrive while the event loop is busy are committed together in ONE
 * transaction (one fsync with synchronous=FULL instead of one per file), each inside its own savepoint: a write
 * that throws is rolled back alone and its caller gets the error; the others commit. Each caller's promise
 * resolves only after the transaction is on disk, so nothing that follows a commit (moving the file, publishing
 * the result) can happen for a write a crash could still lose: the crash guarantees are those of one
 * transaction per file. In: the database and synchronous work functions. Out: each function's return value.
 */
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

  constructor(readonly db: Database.Database) {}

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
    }
    this.#groups += 1;
    this.#writes += group.length;
    group.forEach((one, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) one.resolve(outcome.value);
      else one.reject(outcome?.error);
    });
  }
}
