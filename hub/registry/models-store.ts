/**
 * The model registry: one row per published version (its package `.tar` lives content-addressed in the
 * package store) and aliases such as `candidate` or `production` that name a version.
 */
import type { HubDb } from './db.ts';

export interface RegisteredModel {
  version: string;
  name: string;
  /** sha256 of the package `.tar` bytes (the stored file's name). */
  sha256: string;
  modelSha256: string;
  sizeBytes: number;
  classes: string[];
  metrics: Record<string, unknown>;
  macs: number;
  params: number;
  publisherKeyId: string;
  publishedBy: string;
  publishedAt: string;
}

export interface ModelAlias {
  alias: string;
  version: string;
  updatedBy: string;
  updatedAt: string;
}

export interface ModelsStore {
  get(version: string): RegisteredModel | undefined;
  list(): RegisteredModel[];
  /** Inserts a new version; the caller has checked that it is not registered yet (same transaction). */
  insert(model: RegisteredModel): void;
  aliases(): ModelAlias[];
  alias(name: string): ModelAlias | undefined;
  setAlias(alias: ModelAlias): void;
}

interface ModelRow {
  version: string;
  name: string;
  sha256: string;
  model_sha256: string;
  size_bytes: number;
  classes: string;
  metrics: string;
  macs: number;
  params: number;
  publisher_key_id: string;
  published_by: string;
  published_at: string;
}

const toModel = (row: ModelRow): RegisteredModel => ({
  version: row.version,
  name: row.name,
  sha256: row.sha256,
  modelSha256: row.model_sha256,
  sizeBytes: row.size_bytes,
  classes: JSON.parse(row.classes),
  metrics: JSON.parse(row.metrics),
  macs: row.macs,
  params: row.params,
  publisherKeyId: row.publisher_key_id,
  publishedBy: row.published_by,
  publishedAt: row.published_at,
});

const toAlias = (row: { alias: string; version: string; updated_by: string; updated_at: string }): ModelAlias => ({
  alias: row.alias,
  version: row.version,
  updatedBy: row.updated_by,
  updatedAt: row.updated_at,
});

export function createModelsStore(db: HubDb): ModelsStore {
  const byVersion = db.prepare('SELECT * FROM models WHERE version = ?');
  const all = db.prepare('SELECT * FROM models ORDER BY published_at DESC, version DESC');
  const insert = db.prepare(
    `INSERT INTO models (version, name, sha256, model_sha256, size_bytes, classes, metrics, macs, params,
       publisher_key_id, published_by, published_at)
     VALUES (@version, @name, @sha256, @modelSha256, @sizeBytes, @classes, @metrics, @macs, @params,
       @publisherKeyId, @publishedBy, @publishedAt)`,
  );
  const allAliases = db.prepare('SELECT * FROM model_aliases ORDER BY alias');
  const oneAlias = db.prepare('SELECT * FROM model_aliases WHERE alias = ?');
  const putAlias = db.prepare(
    `INSERT INTO model_aliases (alias, version, updated_by, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (alias) DO UPDATE SET version = excluded.version, updated_by = excluded.updated_by,
       updated_at = excluded.updated_at`,
  );
  return {
    get(version) {
      const row = byVersion.get(version) as ModelRow | undefined;
      return row ? toModel(row) : undefined;
    },
    list: () => (all.all() as ModelRow[]).map(toModel),
    insert(model) {
      insert.run({ ...model, classes: JSON.stringify(model.classes), metrics: JSON.stringify(model.metrics) });
    },
    aliases: () => (allAliases.all() as Parameters<typeof toAlias>[0][]).map(toAlias),
    alias(name) {
      const row = oneAlias.get(name) as Parameters<typeof toAlias>[0] | undefined;
      return row ? toAlias(row) : undefined;
    },
    setAlias(alias) {
      putAlias.run(alias.alias, alias.version, alias.updatedBy, alias.updatedAt);
    },
  };
}
