/**
 * Leases for background jobs that must run in one hub process at a time (the rollout runner once several
 * hub replicas share a PostgreSQL database). `acquire` takes a lease that is free or expired, or renews
 * one's own, in one statement; `token` grows by one at each change of holder (a fencing token: a job can
 * tell its own term from an earlier one). `release` expires the lease at once and keeps its token.
 * The caller's clock decides expiry, so hub hosts need synchronised clocks (NTP) and a TTL well above
 * their skew. `createLeaseKeeper` renews on a timer and reports when the lease is gained or lost.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { HubDb } from './database.ts';

export interface Lease {
  name: string;
  holder: string;
  token: number;
  expiresMs: number;
}

export interface LeaseStore {
  /** The lease's token when `holder` holds it now (taken or renewed until nowMs + ttlMs), else undefined. */
  acquire(name: string, holder: string, ttlMs: number, nowMs: number): Promise<number | undefined>;
  release(name: string, holder: string): Promise<void>;
  get(name: string): Promise<Lease | undefined>;
}

export function createLeaseStore(db: HubDb): LeaseStore {
  return {
    async acquire(name, holder, ttlMs, nowMs) {
      const row = await db.kysely
        .insertInto('leases')
        .values({ name, holder, token: 1, expires_ms: nowMs + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({
              token: sql`CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END`,
              holder: sql.ref('excluded.holder'),
              expires_ms: sql.ref('excluded.expires_ms'),
            })
            .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_ms', '<=', nowMs)])),
        )
        .returning('token')
        .executeTakeFirst();
      return row?.token;
    },
    async release(name, holder) {
      await db.kysely
        .updateTable('leases')
        .set({ expires_ms: 0 })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .execute();
    },
    async get(name) {
      const row = await db.kysely.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? { name: row.name, holder: row.holder, token: row.token, expiresMs: row.expires_ms } : undefined;
    },
  };
}

export interface LeaseKeeperOptions {
  leases: LeaseStore;
  name: string;
  /** Unique per process (e.g. host, pid and a random suffix). */
  holder: string;
  ttlMs: number;
  nowMs: () => number;
  /** Called with the token when the lease is gained, with undefined when it is lost or released. */
  onChange(token: number | undefined): void;
  log: Logger;
}

export interface LeaseKeeper {
  /** Tries to take or renew the lease now; resolves with whether it is held. */
  check(): Promise<boolean>;
  /** Checks every ttlMs / 3 until close. */
  start(): void;
  /** Stops renewing and releases the lease if held. */
  close(): Promise<void>;
}

export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { leases, name, holder, ttlMs } = options;
  let token: number | undefined;
  let validUntilMs = 0;
  let timer: NodeJS.Timeout | undefined;

  const set = (next: number | undefined) => {
    if (next === token) return;
    token = next;
    options.log.info({ lease: name, held: next !== undefined, token: next }, 'lease changed');
    options.onChange(next);
  };

  async function check(): Promise<boolean> {
    const nowMs = options.nowMs();
    try {
      const got = await leases.acquire(name, holder, ttlMs, nowMs);
      if (got !== undefined) validUntilMs = nowMs + ttlMs;
      set(got);
    } catch (thrown) {
      // The database is unreachable: the lease is ours only until the last renewal runs out.
      const error = asCxrError(thrown);
      options.log.warn({ lease: name, code: error.code, err: error.message }, 'lease renewal failed');
      if (options.nowMs() >= validUntilMs) set(undefined);
    }
    return token !== undefined;
  }

  return {
    check,
    start() {
      clearInterval(timer);
      timer = setInterval(() => void check(), Math.max(50, ttlMs / 3));
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      if (token !== undefined) {
        await leases.release(name, holder).catch(() => {});
        set(undefined);
      }
    },
  };
}
