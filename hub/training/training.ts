/**
 * The training feature (docs/hub.md#training): the job queue (created in the dashboard, by API or on a schedule),
 * the trainer API (log in, claim, progress, heartbeat, finish, publish the candidate and its report) and the
 * training data API (signed reads with their pixels), and site calibrations (published by trainers, rolled back by
 * admins) and sent to the agents of their site (calibration-publisher.ts; retained MQTT and an HTTP read). In: the database, the config's `trainers`, `training`,
 * `dataDir` and `models` slices, the audit log, the event bus, where diagnostic images live, the clock. Out: the
 * jobs store and the routes.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createAgentLogin } from '../images/agent-login.ts';
import { createModelsStore } from '../registry/models-store.ts';
import { createPackageStore } from '../registry/package-store.ts';
import { createPublisher } from '../registry/publish-package.ts';
import { createBlobStore } from '../results/blob-store.ts';
import { agentCalibrationRoute } from './agent-calibration-route.ts';
import { createCalibrationPublisher, type PublishCalibration } from './calibration-publisher.ts';
import { calibrationRoutes } from './calibration-routes.ts';
import { createCalibrationsStore } from './calibrations-store.ts';
import { jobRoutes } from './job-routes.ts';
import { createJobsStore } from './jobs-store.ts';
import { createScheduler } from './scheduler.ts';
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
  /** Where `calibration` messages go (retained); absent: nowhere (tests that drive the API only). */
  publishCalibration?: PublishCalibration;
  /** Every agent the hub knows (logins and statuses): a site's calibration goes to each of its agents. */
  agents?(): Promise<AgentAddress[]>;
  /** An agent's stored password hash: agents read their site's calibration over HTTP with their own login. */
  agentPasswordHash?(username: string): Promise<string | undefined>;
  log?: Logger;
  now: () => Date;
}

export function createTraining(deps: TrainingDeps) {
  const { db, config, audit, events, now } = deps;
  const jobs = createJobsStore(db);
  const calibrations = createCalibrationsStore(db);
  const calibrationPublisher = createCalibrationPublisher({
    calibrations,
    agents: deps.agents ?? (async () => []),
    publish: deps.publishCalibration ?? (() => {}),
    now,
  });
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
      changed: async (site) => {
        await calibrationPublisher.sendSite(site);
      },
      now,
    });
    await app.register(agentCalibrationRoute, {
      login: createAgentLogin(deps.agentPasswordHash ?? (async () => undefined), () => now().getTime()),
      calibrations,
      messageOf: calibrationPublisher.messageOf,
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
  // Recurring jobs from the config (docs/hub.md#scheduled-jobs); runDue runs on the background jobs' timer.
  const scheduler = createScheduler({
    db,
    schedules: config.training.schedules,
    jobs,
    audit,
    events,
    now,
    log: deps.log ?? pino({ level: 'silent' }),
  });
  return { jobs, calibrations, calibrationPublisher, scheduler, routes };
}

export type Training = ReturnType<typeof createTraining>;
