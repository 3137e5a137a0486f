/** GET /api/fleet: each agent's online state, last seen, backlog, model, runtime and version. */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import { Nullable } from '../http/nullable.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AgentsStore } from './agents-store.ts';

const AgentView = Type.Object({
  site: Type.String(),
  agent: Type.String(),
  online: Type.Boolean(),
  lastSeen: Nullable(Type.String()),
  results: Type.Integer({ description: 'results delivered to this hub' }),
  backlog: Nullable(Type.Integer()),
  outbox: Nullable(Type.Integer()),
  quarantined: Nullable(Type.Integer()),
  modelVersion: Nullable(Type.String()),
  runtime: Nullable(Type.String()),
  agentVersion: Nullable(Type.String()),
  uptimeS: Nullable(Type.Number()),
  intakePaused: Type.Boolean(),
  modelState: Nullable(
    Type.Object({
      version: Type.String(),
      state: Type.String(),
      reason: Type.Optional(Type.String()),
      at: Type.String(),
    }),
  ),
});

export async function fleetRoutes(app: HubApp, options: { agents: AgentsStore }) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/fleet',
    {
      schema: {
        tags: ['fleet'],
        summary: 'Every agent that has reported',
        response: { 200: Type.Object({ agents: Type.Array(AgentView) }), 401: ErrorBody },
      },
    },
    async () => ({
      agents: (await options.agents.list()).map((a) => ({
        site: a.site,
        agent: a.agent,
        online: a.online,
        lastSeen: a.lastSeen,
        results: a.results,
        backlog: a.status?.backlog ?? null,
        outbox: a.status?.outbox ?? null,
        quarantined: a.status?.quarantined ?? null,
        modelVersion: a.status?.model?.version ?? null,
        runtime: a.status?.runtime ?? null,
        agentVersion: a.status?.agentVersion ?? null,
        uptimeS: a.status?.uptimeS ?? null,
        intakePaused: a.status?.intakePaused ?? false,
        modelState: a.modelState
          ? {
              version: a.modelState.version,
              state: a.modelState.state,
              at: a.modelState.at,
              ...(a.modelState.reason ? { reason: a.modelState.reason } : {}),
            }
          : null,
      })),
    }),
  );
}
