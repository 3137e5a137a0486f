/**
 * The cluster lock: on PostgreSQL two hub processes (two pools on one database) never run their jobs at the
 * same time, a job's error is rethrown after the unlock, and a lock held by a connection that dies is freed
 * (and the process holding it keeps running); on SQLite (one process) a job just runs.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { openHubDatabase } from '../../../hub/db/database.ts';
import { createClusterLock } from '../../../hub/jobs/cluster-lock.ts';
import { freshDatabaseUrl } from '../db/engines.ts';

const KEY = 4242;

it('runs one job at a time across processes on PostgreSQL and rethrows a failed job after unlocking', async () => {
  const url = await freshDatabaseUrl('postgres');
  const first = await openHubDatabase(url);
  const second = await openHubDatabase(url); // another pool on the same database: another hub process
  const locks = [createClusterLock(first, KEY), createClusterLock(second, KEY)];
  let running = 0;
  let most = 0;
  const job = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 30));
    running--;
  };
  await Promise.all([0, 1, 0, 1, 0, 1].map((i) => locks[i]!(job)));
  assert.equal(most, 1);
  await assert.rejects(
    locks[0]!(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await locks[1]!(async () => 'free again'), 'free again');
  await first.close();
  await second.close();
});

it('on SQLite (one hub process) just runs the job', async () => {
  const db = await openHubDatabase(await freshDatabaseUrl('sqlite'));
  assert.equal(await createClusterLock(db, KEY)(async () => 'ran'), 'ran');
  await db.close();
});

it('frees the lock when the holding connection dies (a killed process)', async () => {
  const url = await freshDatabaseUrl('postgres');
  const holder = await openHubDatabase(url);
  const other = await openHubDatabase(url);
  let release!: () => void;
  const held = createClusterLock(holder, KEY)(() => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${KEY}`.execute(
    other.kysely,
  );
  assert.equal(await createClusterLock(other, KEY)(async () => 'taken'), 'taken');
  release();
  await held.catch(() => undefined);
  await holder.close();
  await other.close();
});
