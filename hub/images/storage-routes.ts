/**
 * Storage of diagnostic images for admins: `GET /api/admin/storage` (images, bytes, oldest, uploads in
 * progress, per site, the retention policy, whether this replica runs the retention job) and
 * `POST /api/admin/storage/retention` (run one retention pass now; answers what it deleted).
 */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ImagesStore } from './images-store.ts';
import type { RetentionJob } from './retention-job.ts';
import type { RetentionPolicy } from './retention-policy.ts';

export interface StorageRoutesOptions {
  store: ImagesStore;
  retention: RetentionJob;
  policy: RetentionPolicy;
}

const Usage = Type.Object({
  images: Type.Integer(),
  bytes: Type.Integer(),
  oldestStoredMs: Type.Union([Type.Integer(), Type.Null()]),
  pending: Type.Integer(),
  bySite: Type.Array(Type.Object({ site: Type.String(), images: Type.Integer(), bytes: Type.Integer() })),
  retention: Type.Object({ retentionDays: Type.Number(), maxTotalBytes: Type.Integer(), runsHere: Type.Boolean() }),
});

export async function storageRoutes(app: HubApp, options: StorageRoutesOptions) {
  app.addHook('preHandler', requireRole('admin'));
  app.get(
    '/api/admin/storage',
    {
      schema: {
        tags: ['admin'],
        summary: 'Diagnostic image storage use and the retention policy',
        response: { 200: Usage, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => ({
      ...(await options.store.usage()),
      retention: { ...options.policy, runsHere: options.retention.isHeld() },
    }),
  );
  app.post(
    '/api/admin/storage/retention',
    {
      schema: {
        tags: ['admin'],
        summary: 'Run one retention pass now',
        response: {
          200: Type.Object({ images: Type.Integer(), bytes: Type.Integer(), partials: Type.Integer() }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async () => options.retention.sweep(),
  );
}
