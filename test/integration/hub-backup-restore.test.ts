/**
 * `cxr hub backup` while the hub keeps ingesting (a real hub, results with previews arriving every 15 ms), then
 * `cxr hub restore` into a fresh folder (both as `cxr` child processes), compared with the original: every
 * restored row of the append-only tables is identical to the original's, every preview and heatmap they name is
 * there byte for byte, the row counts match the manifest, and a hub started on the restored folder serves them.
 * A second restore onto it is refused, and so is a backup with one altered blob.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import * as tar from 'tar';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { runCxr } from '../support/cxr-cli.ts';
import { listResults } from '../support/cxr-process.ts';
import { freePort } from '../support/mosquitto.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const silent = pino({ level: 'silent' });
/** Tables whose rows are only ever added, so a restored row must equal the original's. */
const APPEND_ONLY = ['results'];

const hubs: RunningHub[] = [];
after(async () => {
  for (const hub of hubs) await hub.close();
});

function rowsOf(file: string, table: string): Map<string, string> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
    return new Map(rows.map((r) => [String(r.id ?? r.result_id), JSON.stringify(r)]));
  } finally {
    db.close();
  }
}

describe('hub backup (online) and restore, compared', () => {
  const original = tempDir('cxr-hub-orig-');
  const restored = tempDir('cxr-hub-rest-');
  const work = tempDir('cxr-hub-backup-');
  const originalConfig = join(work, 'original.json');
  const restoredConfig = join(work, 'restored.json');
  const backup = join(work, 'hub-backup.tar');
  let manifest: { rows: Record<string, number>; files: { path: string }[]; schemaVersion: number };

  it('backs up a running hub while results keep arriving', async () => {
    const config = hubConfig({ dataDir: original, mqtt: { port: 0 }, http: { port: 0 } });
    writeFileSync(originalConfig, JSON.stringify(config));
    const hub = await startHub(config, { log: silent });
    hubs.push(hub);
    const ingest = async () =>
      hub.hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(await resultMessage())));
    for (let i = 0; i < 40; i++) await ingest();
    await hub.hub.drain();

    let writing = true;
    const writer = (async () => {
      while (writing) {
        await ingest();
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    const run = await runCxr(['hub', 'backup', '--config', originalConfig, '--out', backup, '--json'], {
      timeout: 120_000,
    });
    writing = false;
    await writer;
    await hub.hub.drain();
    assert.equal(run.code, 0, run.stderr);
    manifest = JSON.parse(run.stdout);
    assert.ok((manifest.rows.results ?? 0) >= 40, `results in the snapshot: ${manifest.rows.results}`);
    assert.ok(
      manifest.files.some((f) => f.path.startsWith('blobs/')),
      'previews are in the backup',
    );
    assert.equal(statSync(backup).mode & 0o077, 0, 'only its owner can read it (it holds the hub secrets)');
  });

  it('restores into a fresh folder; every restored row and blob equals the original', async () => {
    writeFileSync(
      restoredConfig,
      JSON.stringify(hubConfig({ dataDir: restored, mqtt: { port: 0 }, http: { port: 0 } })),
    );
    const run = await runCxr(['hub', 'restore', '--config', restoredConfig, '--from', backup, '--json'], {
      timeout: 120_000,
    });
    assert.equal(run.code, 0, run.stderr);
    for (const table of APPEND_ONLY) {
      const before = rowsOf(join(original, 'hub.db'), table);
      const after = rowsOf(join(restored, 'hub.db'), table);
      assert.equal(after.size, manifest.rows[table], `${table}: the manifest's count`);
      if (table === 'results') {
        console.log(`results: ${after.size} in the backup, ${before.size} in the hub after the writer stopped`);
        assert.ok(before.size > 40, 'the hub kept ingesting while the backup ran');
      }
      for (const [key, row] of after) assert.equal(row, before.get(key), `${table} row ${key} differs`);
    }
    const db = new Database(join(restored, 'hub.db'), { readonly: true });
    const named = db.prepare('SELECT preview_sha256 AS p, heatmap_sha256 AS h FROM results').all() as {
      p: string | null;
      h: string | null;
    }[];
    db.close();
    const shas = [...new Set(named.flatMap((r) => [r.p, r.h]).filter((s): s is string => s !== null))];
    assert.ok(shas.length > 0);
    for (const sha of shas) {
      const bytes = readFileSync(join(restored, 'blobs', sha.slice(0, 1), sha));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), sha);
      assert.deepEqual(bytes, readFileSync(join(original, 'blobs', sha.slice(0, 1), sha)));
    }
  });

  it('serves the restored results from a hub started on the restored folder', async () => {
    const port = await freePort();
    const hub = await startHub(hubConfig({ dataDir: restored, mqtt: { port: 0 }, http: { port } }), { log: silent });
    hubs.push(hub);
    const items = await listResults(`http://127.0.0.1:${port}`, 'rad', PASSWORDS.radiologist);
    assert.equal(items?.length, manifest.rows.results);
  });

  it('refuses to restore over a hub that has a database, and refuses an altered backup', async () => {
    const again = await runCxr(['hub', 'restore', '--config', restoredConfig, '--from', backup, '--json']);
    assert.equal(again.code, 2);
    assert.equal(JSON.parse(again.stdout).error.code, 'CXR_ERR_HUB_RESTORE_TARGET_EXISTS');

    const unpacked = tempDir('cxr-hub-tamper-');
    await tar.x({ file: backup, cwd: unpacked });
    const blob = manifest.files.find((f) => f.path.startsWith('blobs/'))?.path as string;
    const bytes = readFileSync(join(unpacked, blob));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(join(unpacked, blob), bytes);
    const tampered = join(work, 'tampered.tar');
    await tar.c({ cwd: unpacked, file: tampered }, ['manifest.json', 'hub.db', ...manifest.files.map((f) => f.path)]);
    const fresh = join(work, 'fresh.json');
    writeFileSync(fresh, JSON.stringify(hubConfig({ dataDir: tempDir('cxr-hub-fresh-') })));
    const refused = await runCxr(['hub', 'restore', '--config', fresh, '--from', tampered, '--json']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(JSON.parse(refused.stdout).error.code, 'CXR_ERR_HUB_BACKUP_INVALID');
  });
});
