/**
 * `cxr hub migrate --to postgres://…`: a SQLite hub database with rows in every table the earlier
 * migrations made is copied into a new PostgreSQL database (real cluster) and compared table by table;
 * new rows after the copy get fresh ids; a non-empty target is refused; the CLI does the same.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createAgentCredentialsStore } from '../../../hub/accounts/agent-credentials-store.ts';
import { createAuditStore } from '../../../hub/accounts/audit-store.ts';
import { hubSecret } from '../../../hub/accounts/hub-secrets.ts';
import { createUsersStore } from '../../../hub/accounts/users-store.ts';
import { copyHubDatabase } from '../../../hub/db/copy-database.ts';
import { type HubDatabase, type HubDb, openHubDatabase } from '../../../hub/db/database.ts';
import { createLeaseStore } from '../../../hub/db/lease.ts';
import { createAgentsStore } from '../../../hub/fleet/agents-store.ts';
import { createModelsStore } from '../../../hub/registry/models-store.ts';
import { createDesiredStore } from '../../../hub/rollouts/desired-store.ts';
import { createPinsStore } from '../../../hub/rollouts/pins-store.ts';
import { createRolloutAgentsStore } from '../../../hub/rollouts/rollout-agents-store.ts';
import { createRolloutsStore } from '../../../hub/rollouts/rollouts-store.ts';
import { runCxr } from '../../support/cxr-cli.ts';
import { tempDir } from '../fixtures.ts';
import { freshDatabaseUrl } from './engines.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const A = { site: 'clinic-a', agent: 'xr-1' };

/** Rows in every table of migrations 1–3, through the stores (results and reviews with plain inserts). */
async function populate(db: HubDb): Promise<void> {
  const users = createUsersStore(db);
  await users.upsert('rad', 'radiologist', 'scrypt$1$1$1$AA==$AA==', NOW);
  await users.openSession('rad', 3_600_000, NOW.getTime());
  const audit = createAuditStore(db);
  for (let i = 0; i < 7; i++) await audit.append({ actor: 'rad', action: 'session.login', after: { i } }, NOW);
  await createAgentCredentialsStore(db).upsert('clinic-a/xr-1', 'hash', NOW);
  await hubSecret(db, 'capability', NOW);
  await createAgentsStore(db).recordStatus(
    { v: 1, site: A.site, agent: A.agent, online: true, at: NOW.toISOString(), backlog: 3 },
    NOW,
  );
  const models = createModelsStore(db);
  await models.insert({
    version: '1.0.0',
    name: 'cxr',
    sha256: 'a'.repeat(64),
    modelSha256: 'b'.repeat(64),
    sizeBytes: 5_000_000_000,
    classes: ['Effusion'],
    metrics: { meanAuroc: 0.9 },
    macs: 1.365e8,
    params: 1.2e6,
    publisherKeyId: 'k',
    publishedBy: 'ci',
    publishedAt: NOW.toISOString(),
  });
  await models.setAlias({ alias: 'production', version: '1.0.0', updatedBy: 'boss', updatedAt: 't' });
  await createRolloutsStore(db).insert({
    id: 'r-1',
    version: '1.0.0',
    target: { all: true },
    targets: ['clinic-a/xr-1'],
    waves: [{ percent: 100 }],
    waitS: 0,
    abortFailureFraction: 0.2,
    shadow: false,
    status: 'running',
    reason: null,
    wavesIssued: 1,
    waveDoneAtMs: 1_772_000_000_000,
    createdBy: 'boss',
    createdAt: 't',
    updatedAt: 't',
  });
  await createRolloutAgentsStore(db).assign('r-1', A, 0, null, 't');
  await createPinsStore(db).set({ site: 'clinic-a', agent: null, version: '1.0.0', pinnedBy: 'boss', pinnedAt: 't' });
  await createDesiredStore(db).put(
    A,
    { v: 1, name: 'cxr', version: '1.0.0', sha256: 'a'.repeat(64), url: 'http://hub/x', sizeBytes: 1, issuedAt: 't' },
    't',
  );
  await createLeaseStore(db).acquire('rollouts', 'hub-1', 10_000, NOW.getTime());
  for (let i = 0; i < 1200; i++) {
    const { id } = await db.kysely
      .insertInto('results')
      .values({
        result_id: i.toString(16).padStart(64, '0'),
        site: A.site,
        agent: A.agent,
        image_key: `k${i}`,
        study_key: i % 2 ? `s${i}` : null,
        patient_key: null,
        received_at: 't',
        scored_at: 't',
        scored_ms: 1_772_000_000_000 + i,
        ingested_at: 't',
        model_name: 'cxr',
        model_version: '1.0.0',
        runtime: 'openvino',
        rank: 8,
        flagged: 1,
        max_probability: 0.1 + i / 10_000,
        classes: '["Effusion"]',
        probabilities: '{"Effusion":0.8}',
        flags: '["Effusion"]',
        timings: '{}',
        image: '{}',
        preview_sha256: null,
        preview_mime: null,
        heatmap_sha256: null,
        heatmap_mime: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.kysely.insertInto('result_flags').values({ result_row: id, class: 'Effusion' }).execute();
    if (i % 100 === 0) {
      const review = await db.kysely
        .insertInto('reviews')
        .values({ result_row: id, reviewer: 'rad', at: 't', report: 'r', decisions: '[]' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.kysely
        .insertInto('review_labels')
        .values({ review_id: review.id, result_row: id, class: 'Effusion', ai_flag: 1, label: 1 })
        .execute();
    }
  }
}

/** Every row of a table, each as JSON with sorted keys, sorted: equal sets of rows compare equal. */
async function rowsOf(db: HubDatabase, table: string): Promise<string[]> {
  const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db.kysely)).rows;
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort()))).sort();
}

describe('hub migrate: SQLite to PostgreSQL', () => {
  let configFile: string;
  let source: HubDatabase;
  let target: HubDatabase;
  let targetUrl: string;

  before(async () => {
    const dir = tempDir('cxr-hub-migrate-');
    configFile = join(dir, 'hub.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(configFile, JSON.stringify({ dataDir: dir }));
    source = await openHubDatabase(`sqlite:${join(dir, 'hub.db')}`);
    await populate(source);
    targetUrl = await freshDatabaseUrl('postgres');
    target = await openHubDatabase(targetUrl);
  });
  after(async () => {
    await source?.close();
    await target?.close();
  });

  it('copies every table and row, and moves identity sequences past the copied ids', async () => {
    const copied = await copyHubDatabase(source, target);
    const counts = Object.fromEntries(copied.map((t) => [t.table, t.rows]));
    assert.equal(counts.results, 1200);
    assert.equal(counts.result_flags, 1200);
    assert.equal(counts.audit_log, 7);
    assert.ok(copied.findIndex((t) => t.table === 'results') < copied.findIndex((t) => t.table === 'result_flags'));
    for (const { table } of copied) {
      assert.deepEqual(await rowsOf(target, table), await rowsOf(source, table), `table ${table}`);
    }
    const nextAudit = await createAuditStore(target).append({ actor: 'boss', action: 'after.copy' }, NOW);
    assert.equal(nextAudit, 8);
    const [maxResult] = await rowsOf(target, 'results').then((r) =>
      r.map((j) => JSON.parse(j).id as number).sort((a, b) => b - a),
    );
    const fresh = await target.kysely
      .insertInto('reviews')
      .values({ result_row: maxResult!, reviewer: 'rad', at: 't', report: 'r', decisions: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal(fresh.id, 13, 'the next review id follows the 12 copied');
  });

  it('refuses a target that already has rows, and leaves it as it was', async () => {
    const before = await rowsOf(target, 'audit_log');
    await assert.rejects(copyHubDatabase(source, target), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'CXR_ERR_HUB_MIGRATE_TARGET');
      assert.match(e.message, /not empty/);
      return true;
    });
    assert.deepEqual(await rowsOf(target, 'audit_log'), before);
  });

  it('runs as `cxr hub migrate --to`, printing the rows per table', async () => {
    const url = await freshDatabaseUrl('postgres');
    const run = await runCxr(['hub', 'migrate', '--config', configFile, '--to', url, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as { tables: { table: string; rows: number }[] };
    assert.equal(body.tables.find((t) => t.table === 'results')?.rows, 1200);
    const copy = await openHubDatabase(url);
    try {
      assert.deepEqual(await rowsOf(copy, 'rollout_agents'), await rowsOf(source, 'rollout_agents'));
    } finally {
      await copy.close();
    }
    const again = await runCxr(['hub', 'migrate', '--config', configFile, '--to', url, '--json']);
    assert.equal(again.code, 2);
    assert.equal(JSON.parse(again.stdout).error.code, 'CXR_ERR_HUB_MIGRATE_TARGET');
  });
});
