/** GET /api/ingest (admin): ingest counters (received, stored, duplicate, rejected by code) and broker refusals. */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { IngestCounters } from './ingest-counters.ts';

export interface IngestRoutesOptions {
  counters: IngestCounters;
  brokerRefused: () => { connect: number; publish: number; subscribe: number } | null;
}

export async function ingestRoutes(app: HubApp, options: IngestRoutesOptions) {
  app.addHook('preHandler', requireRole('admin'));
  app.get(
    '/api/ingest',
    {
      schema: {
        tags: ['ingest'],
        summary: 'Ingest counters since start',
        response: {
          200: Type.Object({
            received: Type.Object({ result: Type.Integer(), status: Type.Integer(), modelState: Type.Integer() }),
            stored: Type.Integer(),
            duplicate: Type.Integer(),
            rejected: Type.Integer(),
            rejectedByCode: Type.Record(Type.String(), Type.Integer()),
            brokerRefused: Type.Union([
              Type.Object({ connect: Type.Integer(), publish: Type.Integer(), subscribe: Type.Integer() }),
              Type.Null(),
            ]),
          }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async () => ({ ...options.counters, brokerRefused: options.brokerRefused() }),
  );
}
