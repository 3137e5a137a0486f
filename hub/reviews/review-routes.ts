/**
 * POST /api/studies/:resultId/review: a radiologist confirms or overrides the AI per class, with a short
 * report (radiologist+, CSRF). Stored with its audit entry in one transaction; a `review` event follows.
 */
import { Type } from '@sinclair/typebox';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { ReviewView } from './review-views.ts';
import type { ReviewsStore } from './reviews-store.ts';

export interface ReviewRoutesOptions {
  reviews: ReviewsStore;
  events: HubEvents;
  now: () => Date;
}

const Params = Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

export async function reviewRoutes(app: HubApp, options: ReviewRoutesOptions) {
  app.addHook('preHandler', requireRole('radiologist'));
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
      const review = await options.reviews.submit(
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
