/**
 * GET /api/stats: per site the volumes, the share flagged (urgent or abnormal) and each tier, read turnaround
 * (median, 90th percentile) over the window; and radiologist-vs-AI agreement per finding from explicit decisions
 * on the latest version of each read (docs/hub.md#reads).
 */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import { Nullable } from '../http/nullable.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ReadsStore } from '../reviews/reads-store.ts';
import type { StatsStore } from './stats-store.ts';

const Count = Type.Integer({ minimum: 0 });

const StatsView = Type.Object({
  sites: Type.Array(
    Type.Object({
      site: Type.String(),
      total: Count,
      flagged: Count,
      reviewed: Count,
      last24h: Count,
      tiers: Type.Object({ urgent: Count, abnormal: Count, indeterminate: Count, 'likely-normal': Count }),
      turnaround: Type.Object({ reads: Count, medianS: Nullable(Type.Integer()), p90S: Nullable(Type.Integer()) }),
    }),
  ),
  daily: Type.Array(Type.Object({ site: Type.String(), day: Type.String(), count: Count })),
  agreement: Type.Array(
    Type.Object({
      class: Type.String(),
      reads: Count,
      agree: Count,
      rate: Nullable(Type.Number()),
      aiCalledPresent: Count,
      aiCalledAbsent: Count,
      aiMissedPresent: Count,
      aiClearAbsent: Count,
    }),
  ),
});

export interface StatsRoutesOptions {
  stats: StatsStore;
  reads: Pick<ReadsStore, 'agreement'>;
  now: () => Date;
}

export async function statsRoutes(app: HubApp, options: StatsRoutesOptions) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'Volumes, tiers and read turnaround per site; agreement per finding',
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 365, default: 14 }) }),
        response: { 200: StatsView, 401: ErrorBody },
      },
    },
    async (request) => {
      const nowMs = options.now().getTime();
      const { days } = request.query;
      const turnaround = new Map((await options.stats.turnaround(nowMs, days)).map((t) => [t.site, t]));
      return {
        sites: (await options.stats.volumes(nowMs)).map((v) => {
          const t = turnaround.get(v.site);
          return { ...v, turnaround: { reads: t?.reads ?? 0, medianS: t?.medianS ?? null, p90S: t?.p90S ?? null } };
        }),
        daily: await options.stats.daily(nowMs, days),
        agreement: (await options.reads.agreement()).map((a) => ({
          ...a,
          rate: a.reads === 0 ? null : a.agree / a.reads,
        })),
      };
    },
  );
}
