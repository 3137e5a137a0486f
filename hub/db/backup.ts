/**
 * `cxr hub backup`: an online, consistent copy of a running hub in one tar. In: the hub's config (SQLite
 * database, data folder), the output path. Out: a tar holding `hub.db` (a snapshot made with SQLite's online
 * backup API while the hub keeps writing), every stored file of `blobs/`, `images/` and `models/`, and
 * `manifest.json` (schema version, row counts, each file's size and sha256), plus a summary.
 * Consistent because those stores write a file completely (temp name, fsync, rename) BEFORE the row that
 * names it commits: every file a snapshot row refers to already exists when the files are listed after the
 * snapshot (files written later are extra, harmless). The tar holds the hub's secrets: it is written 0600.
 * A PostgreSQL hub is refused with CXR_ERR_HUB_BACKUP_UNSUPPORTED (use pg_dump and copy the data folder).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { CxrError } from '../../models/errors.ts';
import { databaseUrl, type HubConfig } from '../config.ts';
import { parseDatabaseUrl } from './database.ts';

/** The folders of the data folder a backup carries (the database may live elsewhere: `database.url`). */
export const BACKUP_FOLDERS = ['blobs', 'images', 'models'] as const;

export interface BackupFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: 'cxr-hub-backup';
  version: 1;
  createdAt: string;
  schemaVersion: number;
  rows: Record<string, number>;
  database: BackupFile;
  files: BackupFile[];
}

/** Where a SQLite hub keeps its database file, or CXR_ERR_HUB_BACKUP_UNSUPPORTED for PostgreSQL. */
export function sqliteFileOf(config: Pick<HubConfig, 'dataDir' | 'database'>): string {
  const location = parseDatabaseUrl(databaseUrl(config));
  if (location.dialect !== 'sqlite') {
    throw new CxrError(
      'CXR_ERR_HUB_BACKUP_UNSUPPORTED',
      'backup/restore handle the SQLite hub database; for PostgreSQL use pg_dump/pg_restore and copy the data folder',
    );
  }
  return location.file;
}

/** A stored file, not one being written (`.tmp`, `.partial`, `.part`, dot-folders such as `.incoming`). */
export function isStoredFile(path: string): boolean {
  return !path.split('/').some((part) => part.startsWith('.')) && !/\.(tmp|partial|part)$/.test(path);
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function storedFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const folder of BACKUP_FOLDERS) {
    const root = join(dataDir, folder);
    if (!existsSync(root)) continue;
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      const path = relative(dataDir, join(entry.parentPath, entry.name)).replaceAll('\\', '/');
      if (entry.isFile() && isStoredFile(path)) out.push(path);
    }
  }
  return out.sort();
}

/** Row counts per table of a SQLite file (the snapshot), for the manifest and the restore check. */
export function tableRows(db: Database.Database): Record<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n]),
  );
}

export async function backupHub(config: HubConfig, out: string, now: () => Date): Promise<BackupManifest> {
  const file = sqliteFileOf(config);
  if (!existsSync(file)) throw new CxrError('CXR_ERR_HUB_DB_OPEN', `no hub database at ${file}`);
  const staging = await mkdtemp(join(tmpdir(), 'cxr-hub-backup-'));
  try {
    const snapshot = join(staging, 'hub.db');
    const live = new Database(file, { readonly: true, fileMustExist: true });
    try {
      await live.backup(snapshot); // SQLite's online backup API: a consistent copy while the hub writes
    } finally {
      live.close();
    }
    const copy = new Database(snapshot);
    let rows: Record<string, number>;
    let schemaVersion: number;
    try {
      copy.pragma('journal_mode = DELETE'); // one self-contained file, no -wal beside it
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new CxrError('CXR_ERR_HUB_DB_OPEN', `the snapshot fails integrity_check: ${check}`);
      rows = tableRows(copy);
      schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    } finally {
      copy.close();
    }
    const paths = await storedFiles(config.dataDir); // listed after the snapshot: a superset of what it names
    const files: BackupFile[] = [];
    for (const path of paths) {
      const full = join(config.dataDir, path);
      files.push({ path, bytes: (await stat(full)).size, sha256: await sha256Of(full) });
    }
    const manifest: BackupManifest = {
      format: 'cxr-hub-backup',
      version: 1,
      createdAt: now().toISOString(),
      schemaVersion,
      rows,
      database: { path: 'hub.db', bytes: (await stat(snapshot)).size, sha256: await sha256Of(snapshot) },
      files,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await tar.c({ cwd: staging, file: out, portable: true }, ['manifest.json', 'hub.db']);
    await chmod(out, 0o600);
    if (paths.length > 0) await tar.r({ cwd: config.dataDir, file: out, portable: true }, paths);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
