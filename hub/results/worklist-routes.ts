/**
 * GET /api/worklist: studies in triage order by default — tier, then abnormality score, then longest waiting
 * (docs/hub.md#triage) — or by score, oldest or newest; filtered by status, tiers, finding, site, arrival window
 * and claim; keyset-paginated with an opaque cursor that names its order (worklist-order.ts).
 */
import { Type } from '@sinclair/typebox';
import { TIERS, type Tier } from '../../models/triage/triage-policy.ts';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ResultsStore } from './results-store.ts';
import { StudySummaryView } from './study-views.ts';
import { decodeCursor, encodeCursor, WORKLIST_SORTS } from './worklist-order.ts';

const Query = Type.Object({
  sort: Type.Union(
    WORKLIST_SORTS.map((s) => Type.Literal(s)),
    { default: 'triage' },
  ),
  status: Type.Union([Type.Literal('unread'), Type.Literal('reviewed'), Type.Literal('all')], { default: 'unread' }),
  tier: Type.Optional(Type.String({ maxLength: 80, description: 'comma-separated tiers, e.g. urgent,abnormal' })),
  flagged: Type.Optional(Type.Boolean({ description: 'true: urgent or abnormal; false: the other tiers' })),
  finding: Type.Optional(Type.String({ maxLength: 128, description: 'only studies where the AI called this finding' })),
  site: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'arrived at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'arrived before' })),
  claimed: Type.Optional(Type.Union([Type.Literal('unclaimed'), Type.Literal('mine'), Type.Literal('others')])),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

function tiersOf(tier: string | undefined, flagged: boolean | undefined): Tier[] | undefined {
  let tiers: Tier[] | undefined;
  if (tier !== undefined && tier !== '') {
    const names = tier.split(',');
    const unknown = names.filter((t) => !(TIERS as readonly string[]).includes(t));
    if (unknown.length > 0) throw httpError('CXR_ERR_HUB_BAD_REQUEST', `unknown tier: ${unknown.join(', ')}`);
    tiers = names as Tier[];
  }
  if (flagged !== undefined) {
    const side: Tier[] = flagged ? ['urgent', 'abnormal'] : ['indeterminate', 'likely-normal'];
    tiers = tiers ? tiers.filter((t) => side.includes(t)) : side;
  }
  return tiers;
}

export async function worklistRoutes(app: HubApp, options: { results: ResultsStore; now: () => Date }) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/worklist',
    {
      schema: {
        tags: ['worklist'],
        summary: 'Studies in triage order (tier, score, waiting), or by score, oldest or newest',
        querystring: Query,
        response: {
          200: Type.Object({
            items: Type.Array(StudySummaryView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorBody,
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const tiers = tiersOf(q.tier, q.flagged);
      if (tiers !== undefined && tiers.length === 0) return { items: [], nextCursor: null };
      const page = await options.results.worklist({
        sort: q.sort,
        limit: q.limit,
        status: q.status,
        nowMs: options.now().getTime(),
        ...(tiers ? { tiers } : {}),
        ...(q.site !== undefined && q.site !== '' ? { site: q.site } : {}),
        ...(q.finding !== undefined && q.finding !== '' ? { finding: q.finding } : {}),
        ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
        ...(q.to !== undefined ? { toMs: Date.parse(q.to) } : {}),
        ...(q.claimed !== undefined ? { claimed: { kind: q.claimed, user: sessionOf(request).user.username } } : {}),
        ...(q.cursor !== undefined ? { cursor: decodeCursor(q.cursor, q.sort) } : {}),
      });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );
}
