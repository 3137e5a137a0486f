/**
 * Opens the hub database: WAL, synchronous=FULL (an ack promises the row survives a power cut),
 * foreign keys on, migrations applied in one transaction each.
 */
import Database from 'better-sqlite3';
import { CxrError } from '../../models/errors.ts';
import { MIGRATIONS } from './schema.ts';

export type HubDb = Database.Database;

export function openHubDb(file: string): HubDb {
  let db: HubDb;
  try {
    db = new Database(file);
  } catch (cause) {
    throw new CxrError('CXR_ERR_HUB_DB_OPEN', `cannot open the hub database: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
