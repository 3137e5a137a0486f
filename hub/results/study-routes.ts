/**
 * One study: its detail (triage, probabilities, operating points, activation grids, model, timings, every
 * signed read version, the live claim, its audit trail) and the de-identified preview. Reads and claims are
 * posted to reviews/read-routes.ts.
 */
import { Type } from '@sinclair/typebox';
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
    image: Type.Object({
      format: Type.String(),
      modality: Type.Optional(Type.String()),
      viewPosition: Type.Optional(Type.String()),
      rows: Type.Integer(),
      cols: Type.Integer(),
    }),
    hasPreview: Type.Boolean(),
    activation: Nullable(ActivationView),
    reads: Type.Array(ReadView),
    history: Type.Array(AuditEntryView),
  }),
]);

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
