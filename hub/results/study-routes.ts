/**
 * One study: its detail (triage, probabilities, operating points, activation grids, model, timings, every
 * signed read version, the live claim, its audit trail) and the de-identified preview. Reads and claims are
 * posted to reviews/read-routes.ts.
 */
import { Type } from '@sinclair/typebox';
import type { PixelDeid } from '../../protocol/pixel-messages.ts';
import type { AuditStore } from '../accounts/audit-store.ts';
import { AuditEntryView } from '../accounts/audit-views.ts';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import { Nullable } from '../http/nullable.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ReadsStore } from '../reviews/reads-store.ts';
import type { BlobStore } from './blob-store.ts';
import { storedTriage, summaryOf } from './result-row.ts';
import type { ResultsStore } from './results-store.ts';
import { ActivationView, ReadView, StudySummaryView } from './study-views.ts';

export interface StudyRoutesOptions {
  results: ResultsStore;
  reads: Pick<ReadsStore, 'list'>;
  audit: Pick<AuditStore, 'list'>;
  blobs: BlobStore;
  now: () => Date;
}

const Params = Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

const StudyDetail = Type.Intersect([
  StudySummaryView,
  Type.Object({
    receivedAt: Type.String(),
    ingestedAt: Type.String(),
    runtime: Type.String(),
    operatingPoints: Type.Record(
      Type.String(),
      Type.Object({ threshold: Type.Number(), urgentThreshold: Type.Optional(Type.Number()) }),
    ),
    timingsMs: Type.Record(Type.String(), Type.Number()),
    /** The image and its safe header data (docs/viewing.md): never a direct identifier. */
    image: Type.Object({
      format: Type.String(),
      modality: Type.Optional(Type.String()),
      viewPosition: Type.Optional(Type.String()),
      rows: Type.Integer(),
      cols: Type.Integer(),
      bodyPart: Type.Optional(Type.String()),
      projection: Type.Optional(Type.String()),
      portable: Type.Optional(Type.Boolean()),
      ageBand: Type.Optional(Type.String()),
      sex: Type.Optional(Type.String()),
      acquiredDaysAgo: Type.Optional(Type.Integer()),
      pixelSpacingMm: Type.Optional(Type.Array(Type.Number())),
      spacingSource: Type.Optional(Type.String()),
    }),
    /** What the clinic's agent did about burned-in text (counts only; null when not recorded). */
    deid: Nullable(
      Type.Object({
        pixels: Type.String(),
        reason: Type.Optional(Type.String()),
        burnedInAnnotation: Type.Optional(Type.String()),
        masked: Type.Integer(),
        keptMarkers: Type.Integer(),
      }),
    ),
    hasPreview: Type.Boolean(),
    activation: Nullable(ActivationView),
    reads: Type.Array(ReadView),
    history: Type.Array(AuditEntryView),
  }),
]);

function deidSummary(text: string | null) {
  if (text === null) return null;
  const d = JSON.parse(text) as PixelDeid;
  return {
    pixels: d.pixels,
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.burnedInAnnotation ? { burnedInAnnotation: d.burnedInAnnotation } : {}),
    masked: d.masked.length,
    keptMarkers: d.keptMarkers.length,
  };
}

export async function studyRoutes(app: HubApp, options: StudyRoutesOptions) {
  const { results, reads, audit, blobs } = options;
  app.addHook('preHandler', requireRole('radiologist'));

  const find = async (resultId: string) => {
    const found = await results.get(resultId, options.now().getTime());
    if (!found) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    return found;
  };

  app.get(
    '/api/studies/:resultId',
    {
      schema: {
        tags: ['studies'],
        summary: 'One study: triage, probabilities, evidence maps, model, reads and addenda, claim, audit trail',
        params: Params,
        response: { 200: StudyDetail, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { row, claim } = await find(request.params.resultId);
      return {
        ...summaryOf(row, claim),
        receivedAt: row.received_at,
        ingestedAt: row.ingested_at,
        runtime: row.runtime,
        operatingPoints: storedTriage(row).operatingPoints,
        timingsMs: JSON.parse(row.timings),
        image: JSON.parse(row.image),
        hasPreview: row.preview_sha256 !== null,
        activation: row.activation === null ? null : JSON.parse(row.activation),
        deid: deidSummary(row.deid),
        reads: await reads.list(row.id),
        history: await audit.list({ limit: 50, target: row.result_id }),
      };
    },
  );

  app.get(
    '/api/studies/:resultId/preview',
    {
      schema: {
        tags: ['studies'],
        summary: 'De-identified preview (JPEG)',
        params: Params,
        response: { 200: Type.Any({ description: 'image bytes' }), 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { row } = await find(request.params.resultId);
      const bytes = row.preview_sha256 ? blobs.get(row.preview_sha256) : undefined;
      if (!bytes || !row.preview_mime) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'this study has no preview');
      reply.header('cache-control', 'private, max-age=86400, immutable');
      reply.header('etag', `"${row.preview_sha256}"`);
      return reply.type(row.preview_mime).send(bytes);
    },
  );
}
