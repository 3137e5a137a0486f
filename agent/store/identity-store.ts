/**
 * The clinic's side of each scored image, kept on the agent only (PHI stays here: docs/clinic.md): who the
 * patient is and which study/series/instance it was (read-identity.ts), where the file was found, what the AI
 * said (probabilities, flags, triage tier) and the de-identified preview and activation maps the agent rendered.
 * Keyed by `resultId`, the key the hub's reports come back with. Same SQLite database as the outbox
 * (synchronous=FULL); written before the outbox commit, so a result the hub knows always has its identity here.
 * Rows are never sent anywhere; logs never carry their values.
 */
import type Database from 'better-sqlite3';
import type { ResultMessage } from '../../protocol/messages.ts';
import type { LocalIdentity } from './read-identity.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS identities (
  result_id TEXT PRIMARY KEY,
  image_key TEXT NOT NULL,
  study_group TEXT NOT NULL,
  identity TEXT NOT NULL,
  source_path TEXT NOT NULL,
  summary TEXT NOT NULL,
  preview BLOB,
  activation TEXT,
  scored_at INTEGER NOT NULL,
  alerted_at INTEGER
);
CREATE INDEX IF NOT EXISTS identities_scored ON identities (scored_at);
CREATE INDEX IF NOT EXISTS identities_image ON identities (image_key);
CREATE INDEX IF NOT EXISTS identities_study ON identities (study_group);
`;

/** What the AI said about the image, without the pixels. */
export interface ResultSummary {
  classes: string[];
  probabilities: Record<string, number>;
  flags: string[];
  /** Absent until the result carries a triage; the clinic then shows "scored". */
  tier?: string;
  score?: number;
  model: { name: string; version: string };
  scoredAt: string;
  image: { format: string; rows: number; cols: number; viewPosition?: string };
}

export interface IdentityEntry {
  resultId: string;
  imageKey: string;
  identity: LocalIdentity;
  sourcePath: string;
  summary: ResultSummary;
  /** JPEG bytes of the de-identified preview, when the agent rendered one. */
  preview?: Buffer;
  activation?: ResultMessage['activation'];
  scoredAt: number;
}

export interface StoredIdentity extends Omit<IdentityEntry, 'preview'> {
  /** Instances of one study share it: the Study Instance UID, else the result itself. */
  studyGroup: string;
  alertedAt?: number;
  hasPreview: boolean;
}

interface Row {
  result_id: string;
  image_key: string;
  study_group: string;
  identity: string;
  source_path: string;
  summary: string;
  activation: string | null;
  scored_at: number;
  alerted_at: number | null;
  has_preview: number;
}

const COLUMNS = `result_id, image_key, study_group, identity, source_path, summary, activation, scored_at, alerted_at,
  preview IS NOT NULL AS has_preview`;

function fromRow(row: Row): StoredIdentity {
  return {
    resultId: row.result_id,
    imageKey: row.image_key,
    studyGroup: row.study_group,
    identity: JSON.parse(row.identity) as LocalIdentity,
    sourcePath: row.source_path,
    summary: JSON.parse(row.summary) as ResultSummary,
    ...(row.activation === null ? {} : { activation: JSON.parse(row.activation) as ResultMessage['activation'] }),
    scoredAt: row.scored_at,
    ...(row.alerted_at === null ? {} : { alertedAt: row.alerted_at }),
    hasPreview: row.has_preview === 1,
  };
}

/** The summary the clinic keeps of a result (the triage is read from the result, never derived here). */
export function summarize(result: ResultMessage): ResultSummary {
  return {
    classes: result.classes,
    probabilities: result.probabilities,
    flags: result.flags,
    ...(result.triage ? { tier: result.triage.tier, score: result.triage.score } : {}),
    model: { name: result.model.name, version: result.model.version },
    scoredAt: result.scoredAt,
    image: {
      format: result.image.format,
      rows: result.image.rows,
      cols: result.image.cols,
      ...(result.image.viewPosition ? { viewPosition: result.image.viewPosition } : {}),
    },
  };
}

export class IdentityStore {
  readonly #stmts;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.#stmts = {
      put: db.prepare(
        `INSERT OR REPLACE INTO identities (result_id, image_key, study_group, identity, source_path, summary, preview,
           activation, scored_at, alerted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT alerted_at FROM identities WHERE result_id = ?))`,
      ),
      get: db.prepare(`SELECT ${COLUMNS} FROM identities WHERE result_id = ?`),
      byImage: db.prepare(`SELECT ${COLUMNS} FROM identities WHERE image_key = ? ORDER BY scored_at DESC LIMIT 1`),
      recentGroups: db.prepare(
        'SELECT study_group, MAX(scored_at) AS last FROM identities GROUP BY study_group ORDER BY last DESC LIMIT ?',
      ),
      inGroup: db.prepare(`SELECT ${COLUMNS} FROM identities WHERE study_group = ? ORDER BY scored_at, result_id`),
      preview: db.prepare('SELECT preview FROM identities WHERE result_id = ?'),
      alert: db.prepare('UPDATE identities SET alerted_at = ? WHERE result_id = ? AND alerted_at IS NULL'),
    };
  }

  record(entry: IdentityEntry): void {
    const group = entry.identity.studyInstanceUid
      ? `study:${entry.identity.studyInstanceUid}`
      : `result:${entry.resultId}`;
    this.#stmts.put.run(
      entry.resultId,
      entry.imageKey,
      group,
      JSON.stringify(entry.identity),
      entry.sourcePath,
      JSON.stringify(entry.summary),
      entry.preview ?? null,
      entry.activation === undefined ? null : JSON.stringify(entry.activation),
      entry.scoredAt,
      entry.resultId,
    );
  }

  get(resultId: string): StoredIdentity | undefined {
    const row = this.#stmts.get.get(resultId) as Row | undefined;
    return row && fromRow(row);
  }

  byImageKey(imageKey: string): StoredIdentity | undefined {
    const row = this.#stmts.byImage.get(imageKey) as Row | undefined;
    return row && fromRow(row);
  }

  /** The most recent studies (instances grouped by Study Instance UID), newest first. */
  recentStudies(limit: number): StoredIdentity[][] {
    const groups = this.#stmts.recentGroups.all(limit) as { study_group: string }[];
    return groups.map((g) => this.study(g.study_group));
  }

  study(studyGroup: string): StoredIdentity[] {
    return (this.#stmts.inGroup.all(studyGroup) as Row[]).map(fromRow);
  }

  preview(resultId: string): Buffer | undefined {
    const row = this.#stmts.preview.get(resultId) as { preview: Buffer | null } | undefined;
    return row?.preview ?? undefined;
  }

  /** Marks an urgent result as alerted; true only the first time (the alert runs once per result). */
  markAlerted(resultId: string, now: number): boolean {
    return this.#stmts.alert.run(now, resultId).changes === 1;
  }
}
