/**
 * `cxr hub restore`: puts a `cxr hub backup` tar back as the hub's database and data files. In: the config of a
 * STOPPED hub whose database does not exist yet (a fresh data folder, or the old one moved away), the tar.
 * Out: the files in place and a summary. Every entry is checked before anything is placed: only the
 * manifest's paths (no `..`, no absolute path, no link), each with its size and sha256, the database passing
 * SQLite's integrity check with the manifest's row counts; then the database is opened once so the
 * migrations of this hub version run on an older backup. Bad input: an unreadable or altered backup
 * (CXR_ERR_HUB_BACKUP_INVALID), a target that already has a database (CXR_ERR_HUB_RESTORE_TARGET_EXISTS),
 * a PostgreSQL hub (CXR_ERR_HUB_BACKUP_UNSUPPORTED). Nothing is written to the target in those cases.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { CxrError } from '../../models/errors.ts';
import type { HubConfig } from '../config.ts';
import { BACKUP_FOLDERS, type BackupFile, type BackupManifest, sha256Of, sqliteFileOf, tableRows } from './backup.ts';
import { openHubDatabase } from './database.ts';

export interface RestoreSummary {
  database: string;
  schemaVersion: number;
  rows: Record<string, number>;
  files: number;
  createdAt: string;
}

const invalid = (message: string, cause?: unknown) =>
  new CxrError('CXR_ERR_HUB_BACKUP_INVALID', message, cause === undefined ? {} : { cause });

/** A path the manifest may name: under one of the backed-up folders, relative, no `..`. */
function safePath(path: string): boolean {
  const clean = normalize(path).replaceAll('\\', '/');
  return clean === path && !path.startsWith('/') && BACKUP_FOLDERS.some((f) => path.startsWith(`${f}/`));
}

async function verifyFile(dir: string, file: BackupFile): Promise<void> {
  const full = join(dir, file.path);
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) throw invalid(`the backup lacks ${file.path}`);
  if (info.size !== file.bytes || (await sha256Of(full)) !== file.sha256) throw invalid(`${file.path} was altered`);
}

export async function restoreHub(config: HubConfig, from: string): Promise<RestoreSummary> {
  const target = sqliteFileOf(config);
  if (existsSync(target)) {
    throw new CxrError(
      'CXR_ERR_HUB_RESTORE_TARGET_EXISTS',
      `${target} exists: restore into a hub with no database (stop it and move its data folder away first)`,
    );
  }
  for (const folder of BACKUP_FOLDERS) {
    const existing = await readdir(join(config.dataDir, folder)).catch(() => []);
    if (existing.length > 0) {
      throw new CxrError(
        'CXR_ERR_HUB_RESTORE_TARGET_EXISTS',
        `${join(config.dataDir, folder)} is not empty: restore into a fresh data folder`,
      );
    }
  }
  await mkdir(config.dataDir, { recursive: true });
  // Unpack next to the data folder (same filesystem: the files are then renamed into place).
  const staging = await mkdtemp(join(dirname(config.dataDir), '.cxr-restore-'));
  try {
    const names: string[] = [];
    await tar
      .x({
        file: from,
        cwd: staging,
        strict: true,
        filter: (path, entry) => {
          names.push(path);
          return 'type' in entry && (entry.type === 'File' || entry.type === 'Directory');
        },
      })
      .catch((cause: unknown) => {
        throw invalid(`${from} is not a readable backup tar`, cause);
      });
    const manifest = JSON.parse(
      await readFile(join(staging, 'manifest.json'), 'utf8').catch(() => {
        throw invalid('the backup has no manifest.json');
      }),
    ) as BackupManifest;
    if (manifest.format !== 'cxr-hub-backup' || manifest.version !== 1) throw invalid('not a cxr hub backup (v1)');
    const expected = new Set(['manifest.json', 'hub.db', ...manifest.files.map((f) => f.path)]);
    const unexpected = names.filter((n) => !n.endsWith('/') && !expected.has(n));
    if (unexpected.length > 0 || manifest.files.some((f) => !safePath(f.path))) {
      throw invalid(`the backup holds entries its manifest does not list: ${unexpected.slice(0, 3).join(', ')}`);
    }
    await verifyFile(staging, manifest.database);
    for (const file of manifest.files) await verifyFile(staging, file);
    const db = new Database(join(staging, 'hub.db'), { fileMustExist: true });
    try {
      if (db.pragma('integrity_check', { simple: true }) !== 'ok') throw invalid('the database fails integrity_check');
      if (JSON.stringify(tableRows(db)) !== JSON.stringify(manifest.rows)) throw invalid('row counts differ');
    } finally {
      db.close();
    }

    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(staging, 'hub.db'), target);
    for (const file of manifest.files) {
      const to = join(config.dataDir, file.path);
      await mkdir(dirname(to), { recursive: true });
      await rename(join(staging, file.path), to);
    }
    const opened = await openHubDatabase(`sqlite:${target}`); // runs this hub's newer migrations, if any
    const schemaVersion = opened.schemaVersion;
    await opened.close();
    return {
      database: target,
      schemaVersion,
      rows: manifest.rows,
      files: manifest.files.length,
      createdAt: manifest.createdAt,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
