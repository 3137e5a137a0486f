/**
 * The fleet feature: each agent's last status and model state (from ingest) and `GET /api/fleet`.
 * In: the database, ingest counters, the event bus, the clock, and where a model-state report is
 * recorded for its rollout. Out: the agents store, the two ingest handlers and the routes.
 */
import type { Logger } from 'pino';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import type { IngestCounters } from '../results/ingest-counters.ts';
import type { RolloutAgentsStore } from '../rollouts/rollout-agents-store.ts';
import { createAgentsStore } from './agents-store.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { createModelStateHandler } from './handle-model-state.ts';
import { createStatusHandler } from './handle-status.ts';

export interface FleetDeps {
  db: HubDb;
  counters: IngestCounters;
  events: HubEvents;
  rolloutAgents: Pick<RolloutAgentsStore, 'recordReport'>;
  now: () => Date;
  log: Logger;
}

export function createFleet(deps: FleetDeps) {
  const agents = createAgentsStore(deps.db);
  const { counters, events, now, log } = deps;
  const routes: HubRoutes = async (app) => {
    await app.register(fleetRoutes, { agents });
  };
  return {
    agents,
    handleStatus: createStatusHandler({ agents, counters, events, now, log }),
    handleModelState: createModelStateHandler({
      agents,
      rolloutAgents: deps.rolloutAgents,
      counters,
      events,
      now,
      log,
    }),
    routes,
  };
}

export type Fleet = ReturnType<typeof createFleet>;
