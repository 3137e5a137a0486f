/** GET /api/stats: volumes per site and radiologist-vs-AI agreement per class (latest review per study). */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { agreementRate } from '../reviews/review-labels.ts';
import type { ReviewsStore } from '../reviews/reviews-store.ts';
import type { StatsStore } from './stats-store.ts';

const StatsView = Type.Object({
  sites: Type.Array(
    Type.Object({
      site: Type.String(),
      total: Type.Integer(),
      flagged: Type.Integer(),
      reviewed: Type.Integer(),
      last24h: Type.Integer(),
    }),
  ),
  daily: Type.Array(Type.Object({ site: Type.String(), day: Type.String(), count: Type.Integer() })),
  agreement: Type.Array(
    Type.Object({
      class: Type.String(),
      reviewed: Type.Integer(),
      agree: Type.Integer(),
      rate: Type.Union([Type.Number(), Type.Null()]),
      truePositive: Type.Integer(),
      falsePositive: Type.Integer(),
      falseNegative: Type.Integer(),
      trueNegative: Type.Integer(),
    }),
  ),
});

export interface StatsRoutesOptions {
  stats: StatsStore;
  reviews: Pick<ReviewsStore, 'agreement'>;
  now: () => Date;
}

export async function statsRoutes(app: HubApp, options: StatsRoutesOptions) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'Volumes per site and agreement per class',
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 365, default: 14 }) }),
        response: { 200: StatsView, 401: ErrorBody },
      },
    },
    async (request) => {
      const nowMs = options.now().getTime();
      return {
        sites: await options.stats.volumes(nowMs),
        daily: await options.stats.daily(nowMs, request.query.days),
        agreement: (await options.reviews.agreement()).map((a) => ({ ...a, rate: agreementRate(a) })),
      };
    },
  );
}
