/**
 * GET /metrics: the hub's metrics for Prometheus (prometheus-text.ts). Fleet data, so not public: served to
 * clients on the hub's own host (a Prometheus there, or a reverse proxy that adds its own authentication) and to
 * a logged-in admin; anyone else gets 403 CXR_ERR_HUB_FORBIDDEN. Each scrape reads the stores afresh.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { HubDb } from '../db/database.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { IngestCounters } from '../results/ingest-counters.ts';
import { createStatsStore } from '../results/stats-store.ts';
import { createRolloutsStore } from '../rollouts/rollouts-store.ts';
import type { AgentsStore } from './agents-store.ts';
import { renderHubMetrics } from './prometheus-text.ts';

const TURNAROUND_DAYS = 14;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export interface MetricsRoutesOptions {
  db: HubDb;
  counters: IngestCounters;
  agents: AgentsStore;
  now: () => Date;
  /** More metrics in Prometheus text from other features (drift: docs/hub.md#drift), appended. */
  extra?: () => Promise<string>;
}

function allowed(request: FastifyRequest): boolean {
  return LOOPBACK.test(request.socket.remoteAddress ?? '') || request.session?.user.role === 'admin';
}

export async function metricsRoutes(app: HubApp, options: MetricsRoutesOptions) {
  const stats = createStatsStore(options.db);
  const rollouts = createRolloutsStore(options.db);
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Metrics in Prometheus text format (from the hub host, or for an admin)',
        response: { 200: Type.String(), 403: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!allowed(request))
        throw httpError('CXR_ERR_HUB_FORBIDDEN', 'metrics are served on the hub host or to an admin');
      const nowMs = options.now().getTime();
      const [agents, volumes, turnaround, active] = await Promise.all([
        options.agents.list(),
        stats.volumes(nowMs),
        stats.turnaround(nowMs, TURNAROUND_DAYS),
        rollouts.active(),
      ]);
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      const extra = options.extra ? await options.extra() : '';
      return `${renderHubMetrics({
        nowMs,
        counters: options.counters,
        agents,
        volumes,
        turnaround,
        rollouts: active,
        turnaroundDays: TURNAROUND_DAYS,
      })}${extra}`;
    },
  );
}
