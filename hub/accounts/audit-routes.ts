/** GET /api/audit (admin): the append-only audit log, newest first, paged by id. */
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AuditStore } from './audit-store.ts';
import { AuditEntryView } from './audit-views.ts';
import { requireRole } from './guards.ts';

export async function auditRoutes(app: HubApp, options: { audit: AuditStore }) {
  app.addHook('preHandler', requireRole('admin'));
  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'entries with a smaller id' })),
          target: Type.Optional(Type.String({ maxLength: 128 })),
          actor: Type.Optional(Type.String({ maxLength: 64 })),
          action: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Type.Object({ entries: Type.Array(AuditEntryView) }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        entries: await options.audit.list({
          limit: q.limit,
          ...(q.before !== undefined ? { beforeId: q.before } : {}),
          ...(q.target !== undefined ? { target: q.target } : {}),
          ...(q.actor !== undefined ? { actor: q.actor } : {}),
          ...(q.action !== undefined ? { action: q.action } : {}),
        }),
      };
    },
  );
}
