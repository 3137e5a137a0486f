/** Response schemas of the registry routes, and the mapping from registry rows to them. */
import { Type } from '@sinclair/typebox';
import type { ModelAlias, RegisteredModel } from './models-store.ts';

export const VersionParam = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z.+-]+$' });
export const AliasName = Type.String({
  pattern: '^[a-z][a-z0-9._-]{0,31}$',
  description: 'e.g. candidate, production',
});

export const ModelView = Type.Object({
  version: Type.String(),
  name: Type.String(),
  sha256: Type.String({ description: 'of the package .tar' }),
  modelSha256: Type.String(),
  sizeBytes: Type.Integer(),
  classes: Type.Array(Type.String()),
  macs: Type.Number(),
  params: Type.Number(),
  meanAuroc: Type.Union([Type.Number(), Type.Null()], { description: 'manifest metrics.meanAuroc (test split)' }),
  publisherKeyId: Type.String(),
  publishedBy: Type.String(),
  publishedAt: Type.String(),
  aliases: Type.Array(Type.String()),
});

export const AliasView = Type.Object({
  alias: Type.String(),
  version: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String(),
});

export function modelView(model: RegisteredModel, aliases: readonly ModelAlias[]) {
  const meanAuroc = model.metrics.meanAuroc;
  return {
    version: model.version,
    name: model.name,
    sha256: model.sha256,
    modelSha256: model.modelSha256,
    sizeBytes: model.sizeBytes,
    classes: model.classes,
    macs: model.macs,
    params: model.params,
    meanAuroc: typeof meanAuroc === 'number' ? meanAuroc : null,
    publisherKeyId: model.publisherKeyId,
    publishedBy: model.publishedBy,
    publishedAt: model.publishedAt,
    aliases: aliases.filter((a) => a.version === model.version).map((a) => a.alias),
  };
}
