/**
 * GET /api/worklist: studies in triage order (flagged first, then oldest waiting), filtered by site,
 * status, flagged / flag class and scored date; keyset-paginated with an opaque cursor.
 */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ResultsStore, WorklistCursor } from './results-store.ts';
import { StudySummaryView } from './study-views.ts';

export function encodeCursor(cursor: WorklistCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string): WorklistCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString());
    if (Array.isArray(value) && value.length === 3 && value.every(Number.isInteger)) return value as WorklistCursor;
  } catch {
    // fall through to the error below
  }
  throw httpError('CXR_ERR_HUB_BAD_REQUEST', 'bad cursor');
}

const Query = Type.Object({
  site: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Union([Type.Literal('unread'), Type.Literal('reviewed'), Type.Literal('all')], { default: 'unread' }),
  flagged: Type.Optional(Type.Boolean()),
  flag: Type.Optional(Type.String({ maxLength: 64, description: 'only studies with this class flagged' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export async function worklistRoutes(app: HubApp, options: { results: ResultsStore }) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/worklist',
    {
      schema: {
        tags: ['worklist'],
        summary: 'Studies in triage order',
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
      const page = await options.results.worklist({
        limit: q.limit,
        status: q.status,
        ...(q.site !== undefined ? { site: q.site } : {}),
        ...(q.flagged !== undefined ? { flagged: q.flagged } : {}),
        ...(q.flag !== undefined ? { flag: q.flag } : {}),
        ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
        ...(q.to !== undefined ? { toMs: Date.parse(q.to) } : {}),
        ...(q.cursor !== undefined ? { cursor: decodeCursor(q.cursor) } : {}),
      });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );
}
