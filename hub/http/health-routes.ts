/**
 * GET /healthz: for a load balancer in front of hub replicas (docs/scale-out.md) and for monitoring. Public (it
 * says nothing about patients or the fleet). In: the database and whether this replica runs the background jobs.
 * Out: 200 `{ status: "ok", jobs }` when a `SELECT 1` answers within `timeoutMs`; otherwise 503 with
 * CXR_ERR_HUB_DB_OPEN (the database is unreachable), so the balancer sends readers to another replica.
 */
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import { ErrorBody } from './errors.ts';
import type { HubApp } from './type-provider.ts';

export interface HealthRoutesOptions {
  db: HubDb;
  /** Whether this replica holds the background jobs' lease (always true for a single hub). */
  jobsActive(): boolean;
  timeoutMs?: number;
}

async function ping(db: HubDb, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`SELECT 1`.execute(db.kysely), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: HubApp, options: HealthRoutesOptions) {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness and database reachability of this hub process (for load balancers)',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), jobs: Type.Boolean() }),
          503: ErrorBody,
        },
      },
    },
    async (_request, reply) => {
      try {
        await ping(options.db, options.timeoutMs ?? 2000);
      } catch (cause) {
        const message = `database unreachable: ${(cause as Error).message}`;
        return reply.code(503).send({ error: { code: 'CXR_ERR_HUB_DB_OPEN', message } });
      }
      return { status: 'ok' as const, jobs: options.jobsActive() };
    },
  );
}
