/**
 * Failed sign-in counters (login-throttle.ts) kept in the database, so every hub replica throttles alike.
 * Keys: `user:<name>` and `addr:<ip>`. A counter is read, then written back whole after a failure.
 */
import type { HubDb } from '../db/database.ts';
import { type FailureCounter, NO_FAILURES } from './login-throttle.ts';

export interface LoginFailuresStore {
  get(key: string): Promise<FailureCounter>;
  put(key: string, counter: FailureCounter): Promise<void>;
  clear(keys: readonly string[]): Promise<void>;
}

export function createLoginFailuresStore(db: HubDb): LoginFailuresStore {
  return {
    async get(key) {
      const row = await db.kysely.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
      return row
        ? { failures: row.failures, lastFailureMs: row.last_failure_ms, lockedUntilMs: row.locked_until_ms }
        : NO_FAILURES;
    },
    async put(key, counter) {
      const values = {
        failures: counter.failures,
        last_failure_ms: counter.lastFailureMs,
        locked_until_ms: counter.lockedUntilMs,
      };
      await db.kysely
        .insertInto('login_failures')
        .values({ key, ...values })
        .onConflict((oc) => oc.column('key').doUpdateSet(values))
        .execute();
    },
    async clear(keys) {
      if (keys.length > 0)
        await db.kysely
          .deleteFrom('login_failures')
          .where('key', 'in', [...keys])
          .execute();
    },
  };
}
