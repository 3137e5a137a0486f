/**
 * The live shadow feature (docs/rollout.md "Live shadow"): a candidate scored beside production at chosen sites, its
 * live agreement with radiologists, promotion by an admin and the stop on its own. In: the database, the registry,
 * the fleet, the rollouts feature (desired publisher, runner and its queue), the event bus, the config's
 * `rollout.shadowMinReads` and `dataDir`, the clock and the logger. Out: the runner and the routes.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { FleetSources } from '../rollouts/fleet-snapshot.ts';
import { createPinsStore } from '../rollouts/pins-store.ts';
import type { Rollouts } from '../rollouts/rollouts.ts';
import { shadowRoutes } from './shadow-routes.ts';
import { createShadowRunner } from './shadow-runner.ts';
import { createShadowsStore } from './shadows-store.ts';

export interface ShadowsDeps {
  db: HubDb;
  config: Pick<HubConfig, 'dataDir' | 'rollout'>;
  models: Pick<ModelsStore, 'get' | 'alias'>;
  fleet: Omit<FleetSources, 'pins'>;
  rollouts: Pick<Rollouts, 'desired' | 'runner' | 'serial'>;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createShadows(deps: ShadowsDeps) {
  const { db, rollouts } = deps;
  const runner = createShadowRunner({
    db,
    models: deps.models,
    fleet: { ...deps.fleet, pins: createPinsStore(db) },
    publisher: rollouts.desired,
    rollouts: rollouts.runner,
    serial: rollouts.serial,
    events: deps.events,
    defaultMinReads: deps.config.rollout.shadowMinReads,
    now: deps.now,
    log: deps.log,
  });
  const routes: HubRoutes = async (app) => {
    await app.register(shadowRoutes, {
      runner,
      shadows: createShadowsStore(db),
      reportsDir: join(deps.config.dataDir, 'models', 'reports'),
    });
  };
  return { runner, routes };
}

export type Shadows = ReturnType<typeof createShadows>;
