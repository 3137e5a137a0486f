/**
 * One study: detail (probabilities per class, model version, timings, latest review, its audit trail)
 * and the de-identified preview and heatmap images. The review itself is posted to reviews/review-routes.ts.
 */
import { Type } from '@sinclair/typebox';
import type { AuditStore } from '../accounts/audit-store.ts';
import { AuditEntryView } from '../accounts/audit-views.ts';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { ReviewView } from '../reviews/review-views.ts';
import type { ReviewsStore } from '../reviews/reviews-store.ts';
import type { BlobStore } from './blob-store.ts';
import { summaryOf } from './result-row.ts';
import type { ResultsStore } from './results-store.ts';
import { StudySummaryView } from './study-views.ts';

export interface StudyRoutesOptions {
  results: ResultsStore;
  reviews: Pick<ReviewsStore, 'latest'>;
  audit: Pick<AuditStore, 'list'>;
  blobs: BlobStore;
}

const Params = Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

const StudyDetail = Type.Intersect([
  StudySummaryView,
  Type.Object({
    timingsMs: Type.Record(Type.String(), Type.Number()),
    image: Type.Object({
      format: Type.String(),
      modality: Type.Optional(Type.String()),
      viewPosition: Type.Optional(Type.String()),
      rows: Type.Integer(),
      cols: Type.Integer(),
    }),
    review: Type.Union([ReviewView, Type.Null()]),
    history: Type.Array(AuditEntryView),
  }),
]);

export async function studyRoutes(app: HubApp, options: StudyRoutesOptions) {
  const { results, reviews, audit, blobs } = options;
  app.addHook('preHandler', requireRole('radiologist'));

  const find = async (resultId: string) => {
    const row = await results.get(resultId);
    if (!row) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    return row;
  };

  app.get(
    '/api/studies/:resultId',
    {
      schema: {
        tags: ['studies'],
        summary: 'One study with its probabilities, model, latest review and audit trail',
        params: Params,
        response: { 200: StudyDetail, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const row = await find(request.params.resultId);
      return {
        ...summaryOf(row),
        timingsMs: JSON.parse(row.timings),
        image: JSON.parse(row.image),
        review: (await reviews.latest(row.id)) ?? null,
        history: await audit.list({ limit: 50, target: row.result_id }),
      };
    },
  );

  for (const kind of ['preview', 'heatmap'] as const) {
    app.get(
      `/api/studies/:resultId/${kind}`,
      {
        schema: {
          tags: ['studies'],
          summary: kind === 'preview' ? 'De-identified preview (JPEG)' : 'Heatmap overlay (PNG)',
          params: Params,
          response: { 200: Type.Any({ description: 'image bytes' }), 401: ErrorBody, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const row = await find(request.params.resultId);
        const sha = kind === 'preview' ? row.preview_sha256 : row.heatmap_sha256;
        const mime = kind === 'preview' ? row.preview_mime : row.heatmap_mime;
        const bytes = sha ? blobs.get(sha) : undefined;
        if (!bytes || !mime) throw httpError('CXR_ERR_HUB_NOT_FOUND', `this study has no ${kind}`);
        reply.header('cache-control', 'private, max-age=86400, immutable');
        reply.header('etag', `"${sha}"`);
        return reply.type(mime).send(bytes);
      },
    );
  }
}
