/**
 * The drift feature (docs/hub.md#drift): the monitor (per site and ISO week: agreement with signed reads, PSI of
 * the scores against the model package's reference, refused inputs; transitions logged) and its routes. In: the
 * database, the config's `drift` slice, the registry's models, the training jobs store, the audit log, the event
 * bus, the logger, the clock. Out: the monitor (its `evaluate` runs on the background jobs' timer, `metricsText`
 * goes into /metrics, `recordStatus` takes agents' statuses) and the routes.
 */
import type { Logger } from 'pino';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { JobsStore } from '../training/jobs-store.ts';
import { createDriftMonitor } from './drift-monitor.ts';
import { driftRoutes } from './drift-routes.ts';
import { createDriftStore } from './drift-store.ts';

export interface DriftDeps {
  db: HubDb;
  config: HubConfig['drift'];
  models: Pick<ModelsStore, 'get'>;
  jobs: JobsStore;
  audit: AuditStore;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createDrift(deps: DriftDeps) {
  const { config } = deps;
  const thresholds = {
    minReads: config.minReads,
    minAgreement: config.minAgreement,
    minResults: config.minResults,
    maxPsi: config.maxPsi,
    maxRefusedRate: config.maxRefusedRate,
  };
  const monitor = createDriftMonitor({
    store: createDriftStore(deps.db),
    models: deps.models,
    thresholds,
    now: deps.now,
    log: deps.log,
  });
  const routes: HubRoutes = async (app) => {
    await app.register(driftRoutes, {
      monitor,
      thresholds,
      defaultWeeks: config.weeks,
      jobs: deps.jobs,
      audit: deps.audit,
      events: deps.events,
      now: deps.now,
    });
  };
  return { monitor, routes };
}

export type Drift = ReturnType<typeof createDrift>;
