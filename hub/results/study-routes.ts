/**
 * One study: detail (probabilities per class, model version, timings, latest review, its audit trail),
 * the de-identified preview and heatmap images, and the radiologist's review (confirm/override per
 * class with a short report).
 */
import { Type } from '@sinclair/typebox';
import type { HubEvents } from '../../events/hub-events.ts';
import type { AuditStore } from '../../store/audit-store.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import { summaryOf } from '../../store/result-row.ts';
import type { ResultsStore } from '../../store/results-store.ts';
import type { ReviewsStore } from '../../store/reviews-store.ts';
import { requireRole, sessionOf } from '../auth/guards.ts';
import { ErrorBody, httpError } from '../errors.ts';
import type { HubApp } from '../type-provider.ts';
import { AuditEntryView, ReviewView, StudySummaryView } from '../views.ts';

export interface StudyRoutesOptions {
  results: ResultsStore;
  reviews: ReviewsStore;
  audit: AuditStore;
  blobs: BlobStore;
  events: HubEvents;
  now: () => Date;
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

  const find = (resultId: string) => {
    const row = results.get(resultId);
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
      const row = find(request.params.resultId);
      return {
        ...summaryOf(row),
        timingsMs: JSON.parse(row.timings),
        image: JSON.parse(row.image),
        review: reviews.latest(row.id) ?? null,
        history: audit.list({ limit: 50, target: row.result_id }),
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
        const row = find(request.params.resultId);
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

  app.post(
    '/api/studies/:resultId/review',
    {
      schema: {
        tags: ['studies'],
        summary: 'Confirm or override the AI per class, with a short report',
        params: Params,
        body: Type.Object(
          {
            decisions: Type.Record(
              Type.String({ maxLength: 64 }),
              Type.Union([Type.Literal('confirm'), Type.Literal('override')]),
            ),
            report: Type.String({ maxLength: 4000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: ReviewView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const review = reviews.submit(
        {
          resultId: request.params.resultId,
          reviewer: session.user.username,
          decisions: request.body.decisions,
          report: request.body.report.trim(),
        },
        options.now(),
      );
      options.events.emit('review', { resultId: request.params.resultId, reviewer: session.user.username });
      return review;
    },
  );
}
