/**
 * The model registry: one row per published version (its package `.tar` lives content-addressed in the
 * package store) and aliases such as `candidate` or `production` that name a version.
 */
import { type Selectable, sql } from 'kysely';
import type { ReferenceScores } from '../../models/triage/score-histogram.ts';
import type { HubDb } from '../db/database.ts';
import type { ModelAliasesTable, ModelsTable } from '../db/tables.ts';

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
  /** The manifest's triage-score histogram on validation (drift reference), when the package has one. */
  referenceScores?: ReferenceScores;
}

export interface ModelAlias {
  alias: string;
  version: string;
  updatedBy: string;
  updatedAt: string;
}

export interface ModelsStore {
  get(version: string): Promise<RegisteredModel | undefined>;
  list(): Promise<RegisteredModel[]>;
  /** Inserts a new version; the caller has checked that it is not registered yet (same transaction). */
  insert(model: RegisteredModel): Promise<void>;
  aliases(): Promise<ModelAlias[]>;
  alias(name: string): Promise<ModelAlias | undefined>;
  setAlias(alias: ModelAlias): Promise<void>;
}

type ModelRow = Selectable<ModelsTable>;

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
  ...(row.reference_scores ? { referenceScores: JSON.parse(row.reference_scores) as ReferenceScores } : {}),
});

const toAlias = (row: Selectable<ModelAliasesTable>): ModelAlias => ({
  alias: row.alias,
  version: row.version,
  updatedBy: row.updated_by,
  updatedAt: row.updated_at,
});

export function createModelsStore(db: HubDb): ModelsStore {
  const { kysely } = db;
  return {
    async get(version) {
      const row = await kysely.selectFrom('models').selectAll().where('version', '=', version).executeTakeFirst();
      return row ? toModel(row) : undefined;
    },
    async list() {
      const rows = await kysely
        .selectFrom('models')
        .selectAll()
        .orderBy('published_at', 'desc')
        .orderBy('version', 'desc')
        .execute();
      return rows.map(toModel);
    },
    async insert(model) {
      await kysely
        .insertInto('models')
        .values({
          version: model.version,
          name: model.name,
          sha256: model.sha256,
          model_sha256: model.modelSha256,
          size_bytes: model.sizeBytes,
          classes: JSON.stringify(model.classes),
          metrics: JSON.stringify(model.metrics),
          macs: model.macs,
          params: model.params,
          publisher_key_id: model.publisherKeyId,
          published_by: model.publishedBy,
          published_at: model.publishedAt,
          reference_scores: model.referenceScores ? JSON.stringify(model.referenceScores) : null,
        })
        .execute();
    },
    async aliases() {
      return (await kysely.selectFrom('model_aliases').selectAll().orderBy('alias').execute()).map(toAlias);
    },
    async alias(name) {
      const row = await kysely.selectFrom('model_aliases').selectAll().where('alias', '=', name).executeTakeFirst();
      return row ? toAlias(row) : undefined;
    },
    async setAlias(alias) {
      await kysely
        .insertInto('model_aliases')
        .values({
          alias: alias.alias,
          version: alias.version,
          updated_by: alias.updatedBy,
          updated_at: alias.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('alias').doUpdateSet({
            version: sql.ref('excluded.version'),
            updated_by: sql.ref('excluded.updated_by'),
            updated_at: sql.ref('excluded.updated_at'),
          }),
        )
        .execute();
    },
  };
}
