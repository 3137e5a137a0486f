/**
 * Versioned migrations on both engines: a new database gets every migration; a hub database made before
 * migrations moved to hub/db (SQLite, `PRAGMA user_version` 2, with data) upgrades in place and keeps its
 * rows; a database newer than this hub is refused; hubs starting together on one PostgreSQL database
 * apply each migration once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { createAuditStore } from '../../../hub/accounts/audit-store.ts';
import { createUsersStore } from '../../../hub/accounts/users-store.ts';
import { openHubDatabase } from '../../../hub/db/database.ts';
import { MIGRATIONS } from '../../../hub/db/migrations/index.ts';
import { tempDir } from '../fixtures.ts';
import { describeOnEachEngine, freshDatabaseUrl } from './engines.ts';

describeOnEachEngine('migrations', (fresh, engine) => {
  it('applies every migration to a new database, and none again on the next open', async () => {
    const db = await fresh();
    assert.equal(db.schemaVersion, MIGRATIONS.length);
    const lease = await db.kysely.selectFrom('leases').selectAll().execute();
    assert.deepEqual(lease, []);
  });

  it('upgrades a database at an older version in place, keeping its rows', async () => {
    const url = await freshDatabaseUrl(engine);
    const older = await openHubDatabase(url, { migrations: MIGRATIONS.slice(0, 2) });
    assert.equal(older.schemaVersion, 2);
    await createUsersStore(older).upsert('rad', 'radiologist', 'scrypt$1$1$1$AA==$AA==', new Date());
    await assert.rejects(older.kysely.selectFrom('leases').selectAll().execute(), 'no leases table yet');
    await older.close();
    const upgraded = await openHubDatabase(url);
    try {
      assert.equal(upgraded.schemaVersion, MIGRATIONS.length);
      assert.deepEqual(await createUsersStore(upgraded).get('rad'), { username: 'rad', role: 'radiologist' });
      assert.deepEqual(await upgraded.kysely.selectFrom('leases').selectAll().execute(), []);
    } finally {
      await upgraded.close();
    }
  });

  it('refuses a database whose schema is newer than this hub', async () => {
    const url = await freshDatabaseUrl(engine);
    await (await openHubDatabase(url)).close();
    await assert.rejects(
      openHubDatabase(url, { migrations: MIGRATIONS.slice(0, 2) }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CXR_ERR_HUB_DB_SCHEMA');
        assert.match(
          error.message,
          new RegExp(`schema version ${MIGRATIONS.length}, newer than this hub knows \\(2\\)`),
        );
        return true;
      },
    );
  });

  if (engine === 'postgres') {
    it('applies migrations once when several hubs open a new database at the same time', async () => {
      const url = await freshDatabaseUrl(engine);
      const hubs = await Promise.all([openHubDatabase(url), openHubDatabase(url), openHubDatabase(url)]);
      assert.deepEqual(
        hubs.map((h) => h.schemaVersion),
        [MIGRATIONS.length, MIGRATIONS.length, MIGRATIONS.length],
      );
      await Promise.all(hubs.map((h) => h.close()));
    });
  }
});

it('upgrades a SQLite hub database written before migrations moved to hub/db (user_version 2)', async () => {
  // The file as the earlier hub left it: its own schema text (migrations 1–2 are that text byte for
  // byte), user_version 2, and rows written with plain SQL.
  const file = join(tempDir('cxr-hub-upgrade-'), 'hub.db');
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration.sqlite);
  old.pragma('user_version = 2');
  old.prepare("INSERT INTO users (username, role, password_hash, created_at) VALUES ('boss', 'admin', 'h', 't')").run();
  old
    .prepare(
      `INSERT INTO results (result_id, site, agent, image_key, received_at, scored_at, scored_ms, ingested_at,
         model_name, model_version, runtime, rank, flagged, max_probability, classes, probabilities, flags, timings, image)
       VALUES (?, 'clinic-a', 'xr-1', 'k', 't', '2026-01-01T00:00:00.000Z', 1767225600000, 't', 'm', '1.0.0', 'ort',
         8, 1, 0.9, '["Effusion"]', '{"Effusion":0.9}', '["Effusion"]', '{}', '{"format":"png","rows":1,"cols":1}')`,
    )
    .run('a'.repeat(64));
  old.prepare("INSERT INTO audit_log (at, actor, action) VALUES ('t', 'cli', 'user.created')").run();
  old.close();

  const db = await openHubDatabase(`sqlite:${file}`);
  try {
    assert.equal(db.schemaVersion, MIGRATIONS.length);
    assert.deepEqual(await createUsersStore(db).get('boss'), { username: 'boss', role: 'admin' });
    const row = await db.kysely
      .selectFrom('results')
      .select(['site', 'scored_ms', 'flags'])
      .where('result_id', '=', 'a'.repeat(64))
      .executeTakeFirst();
    assert.deepEqual([row?.site, row?.scored_ms, row?.flags], ['clinic-a', 1767225600000, '["Effusion"]']);
    assert.equal((await createAuditStore(db).list({ limit: 10 }))[0]?.action, 'user.created');
    await assert.rejects(db.kysely.deleteFrom('audit_log').execute(), /append-only/, 'the old triggers still hold');
  } finally {
    await db.close();
  }
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
  raw.close();
});
