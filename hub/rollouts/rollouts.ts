/**
 * The rollouts feature: the runner (waves, pause/resume/abort/rollback, evaluated on agent events and a
 * timer), pins, and each agent's desired model (stored, then published retained on `model/desired`).
 * In: the database, the registry's models and capability tokens, the fleet, the event bus, the rollout
 * defaults, the hub's public URL and the MQTT sink for desired messages. Out: the runner, the desired
 * publisher (re-published at start), the per-agent rollout rows (model-state reports land there) and routes,
 * among them each agent's desired model over HTTP for the agent itself (desired-routes.ts).
 */
import type { Logger } from 'pino';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createAgentLogin } from '../images/agent-login.ts';
import type { Registry } from '../registry/registry.ts';
import { createDesiredPublisher, type PublishDesired } from './desired-publisher.ts';
import { desiredRoutes } from './desired-routes.ts';
import { createDesiredStore } from './desired-store.ts';
import type { FleetSources } from './fleet-snapshot.ts';
import { createPinsStore } from './pins-store.ts';
import { createRolloutAgentsStore } from './rollout-agents-store.ts';
import { rolloutRoutes } from './rollout-routes.ts';
import { createRolloutRunner } from './rollout-runner.ts';
import { createRolloutsStore } from './rollouts-store.ts';
import { createSerialRunner } from './run-serially.ts';
import { createPinSetter } from './set-pin.ts';

export interface RolloutsDeps {
  db: HubDb;
  registry: Pick<Registry, 'models' | 'capability'>;
  fleet: Omit<FleetSources, 'pins'>;
  events: HubEvents;
  defaults: Omit<HubConfig['rollout'], 'shadowMinReads'>;
  publicUrl: () => string;
  publishDesired: PublishDesired;
  /** An agent's stored password hash: agents read their desired model over HTTP with their own login. */
  agentPasswordHash(username: string): Promise<string | undefined>;
  /** Several hub replicas: each runner job holds this lock (hub/jobs/cluster-lock.ts); evaluations only while `isActive`. */
  lock?: <T>(job: () => Promise<T>) => Promise<T>;
  isActive?: () => boolean;
  now: () => Date;
  log: Logger;
}

export function createRollouts(deps: RolloutsDeps) {
  const { db, fleet, now } = deps;
  const { models, capability } = deps.registry;
  const serial = createSerialRunner(deps.lock);
  const desired = createDesiredPublisher({
    db,
    capability,
    publicUrl: deps.publicUrl,
    publish: deps.publishDesired,
    now,
  });
  const pinSetter = createPinSetter({ db, models, fleet, publisher: desired, serial, now });
  const runner = createRolloutRunner({
    db,
    models,
    fleet,
    events: deps.events,
    publisher: desired,
    pinSetter,
    serial,
    defaults: deps.defaults,
    ...(deps.isActive ? { isActive: deps.isActive } : {}),
    now,
    log: deps.log,
  });
  const rolloutAgents = createRolloutAgentsStore(db);
  const routes: HubRoutes = async (app) => {
    await app.register(rolloutRoutes, {
      runner,
      rollouts: createRolloutsStore(db),
      rolloutAgents,
      agents: fleet.agents,
      pins: createPinsStore(db),
      pinSetter,
    });
    await app.register(desiredRoutes, {
      login: createAgentLogin(deps.agentPasswordHash, () => now().getTime()),
      desired: createDesiredStore(db),
      urlFor: desired.urlFor,
    });
  };
  return { runner, desired, rolloutAgents, routes, serial };
}

export type Rollouts = ReturnType<typeof createRollouts>;
