/**
 * Runs a job while holding a lock that every hub process on the same database shares: on PostgreSQL a
 * session advisory lock (`pg_advisory_lock(key)`) on one pooled connection held for the job's length (the
 * job's own queries use other connections); PostgreSQL drops it when that connection ends, so a killed
 * process never leaves it held. On SQLite (one hub process) the job just runs. The rollout runner's jobs use
 * it: an admin's action taken on one replica and the evaluation on the active replica never interleave.
 * In: the database and a lock key; out: the job's result (its error, rethrown, after the unlock).
 */
import { sql } from 'kysely';
import type { HubDb } from '../db/database.ts';

export type ClusterLock = <T>(job: () => Promise<T>) => Promise<T>;

/**
 * Every PostgreSQL advisory lock key the hub uses, in one place so no two features share one by accident
 * (distinct constants: "cxroll", "cxrjob", "cxrcal" in ASCII). `rollouts` is held for a job's length
 * (createClusterLock); the training queue's and the calibrations' are transaction-scoped (pg_advisory_xact_lock).
 */
export const LOCK_KEYS = {
  rollouts: 0x6378_726f_6c6c,
  trainingQueue: 0x6378_726a_6f62,
  calibrations: 0x6378_7263_616c,
} as const;

export function createClusterLock(db: HubDb, key: number): ClusterLock {
  if (db.dialect === 'sqlite') return (job) => job();
  return (job) =>
    db.kysely.connection().execute(async (connection) => {
      await sql`SELECT pg_advisory_lock(${key})`.execute(connection);
      try {
        return await job();
      } finally {
        await sql`SELECT pg_advisory_unlock(${key})`.execute(connection);
      }
    });
}
