/**
 * The training feature (docs/hub.md#training): the job queue (created in the dashboard, by API or on a schedule),
 * the trainer API (log in, claim, progress, heartbeat, finish, publish the candidate and its report) and the
 * training data API (signed reads with their pixels), and site calibrations (published by trainers, rolled back by
 * admins). In: the database, the config's `trainers`, `training`,
 * `dataDir` and `models` slices, the audit log, the event bus, where diagnostic images live, the clock. Out: the
 * jobs store and the routes.
 */
import { join } from 'node:path';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createModelsStore } from '../registry/models-store.ts';
import { createPackageStore } from '../registry/package-store.ts';
import { createPublisher } from '../registry/publish-package.ts';
import { createBlobStore } from '../results/blob-store.ts';
import { calibrationRoutes } from './calibration-routes.ts';
import { createCalibrationsStore } from './calibrations-store.ts';
import { jobRoutes } from './job-routes.ts';
import { createJobsStore } from './jobs-store.ts';
import { createTrainerAuth } from './trainer-auth.ts';
import { trainerRoutes } from './trainer-routes.ts';
import { trainingDataRoutes } from './training-data-routes.ts';
import { createTrainingDataStore } from './training-data-store.ts';

export interface TrainingDeps {
  db: HubDb;
  config: Pick<HubConfig, 'dataDir' | 'models' | 'trainers' | 'training'>;
  audit: AuditStore;
  events: HubEvents;
  diagnosticPath(sha256: string): string;
  /** Called after a site's current calibration changed (published or rolled back). */
  calibrationChanged?(site: string): Promise<void>;
  now: () => Date;
}

export function createTraining(deps: TrainingDeps) {
  const { db, config, audit, events, now } = deps;
  const jobs = createJobsStore(db);
  const calibrations = createCalibrationsStore(db);
  const auth = createTrainerAuth(db, config.trainers, config.training.sessionTtlHours * 3_600_000);
  const models = createModelsStore(db);
  const packages = createPackageStore(join(config.dataDir, 'models'));
  const publish = createPublisher({
    db,
    packages,
    trustedKeysDir: config.models.trustedKeysDir,
    now,
  });
  const reportsDir = join(config.dataDir, 'models', 'reports');
  const routes: HubRoutes = async (app) => {
    await app.register(jobRoutes, { jobs, audit, events, now });
    await app.register(trainerRoutes, {
      auth,
      jobs,
      models,
      publish,
      packages,
      audit,
      events,
      reportsDir,
      heartbeatTimeoutMs: config.training.heartbeatTimeoutS * 1000,
      maxPackageBytes: config.models.maxPackageBytes,
      now,
    });
    await app.register(calibrationRoutes, {
      auth,
      jobs,
      calibrations,
      audit,
      trustedKeysDir: config.models.trustedKeysDir,
      changed: deps.calibrationChanged ?? (async () => {}),
      now,
    });
    await app.register(trainingDataRoutes, {
      auth,
      data: createTrainingDataStore(db),
      blobs: createBlobStore(join(config.dataDir, 'blobs')),
      diagnosticPath: deps.diagnosticPath,
      reportsDir,
      now,
    });
  };
  return { jobs, calibrations, routes };
}

export type Training = ReturnType<typeof createTraining>;
