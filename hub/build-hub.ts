import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { createAccounts } from './accounts/accounts.ts';
import type { AuditStore } from './accounts/audit-store.ts';
import { seedFromConfig } from './accounts/seed-from-config.ts';
import type { UsersStore } from './accounts/users-store.ts';
import { databaseUrl, type HubConfig } from './config.ts';
import { type HubDatabase, openHubDatabase, redactUrl } from './db/database.ts';
import { createDrift, type Drift } from './drift/drift.ts';
import { withStatusTaps } from './drift/status-taps.ts';
import { eventsRoutes } from './events/events-routes.ts';
import { createHubEvents, type HubEvents } from './events/hub-events.ts';
import type { AgentsStore } from './fleet/agents-store.ts';
import { createFleet } from './fleet/fleet.ts';
import { metricsRoutes } from './fleet/metrics-routes.ts';
import { buildHttpApp } from './http/build-app.ts';
import { healthRoutes } from './http/health-routes.ts';
import type { HubApp } from './http/type-provider.ts';
import { createImages, type Images } from './images/images.ts';
import { createClusterLock, LOCK_KEYS } from './jobs/cluster-lock.ts';
import { createBufferedSink } from './mqtt/buffered-sink.ts';
import type { ModelsStore } from './registry/models-store.ts';
import { createRegistry } from './registry/registry.ts';
import { createReportOutboxStore } from './reports/report-outbox-store.ts';
import { createReports, type Reports } from './reports/reports.ts';
import type { PublishAck, ResultHandler } from './results/handle-result.ts';
import type { IngestCounters } from './results/ingest-counters.ts';
import { createDispatcher } from './results/ingest-dispatcher.ts';
import { createResults } from './results/results.ts';
import type { ResultsStore } from './results/results-store.ts';
import { clinicReportOf } from './reviews/clinic-report.ts';
import { createReviews } from './reviews/reviews.ts';
import type { DesiredPublisher, PublishDesired } from './rollouts/desired-publisher.ts';
import { createRolloutAgentsStore } from './rollouts/rollout-agents-store.ts';
import type { RolloutRunner } from './rollouts/rollout-runner.ts';
import { createRollouts } from './rollouts/rollouts.ts';
import { createShadows, type Shadows } from './shadows/shadows.ts';
import { knownAgents, type PublishCalibration } from './training/calibration-publisher.ts';
import { createTraining, type Training } from './training/training.ts';

export interface HubDeps {
  config: HubConfig;
  log?: Logger;
  now?: () => Date;
  /** Where acks go; startHub points it at the MQTT client once connected. */
  publishAck?: PublishAck;
  /** Where `model/desired` messages go (retained); startHub points it at the MQTT client once connected. */
  publishDesired?: PublishDesired;
  brokerRefused?: () => { connect: number; publish: number; subscribe: number } | null;
}

export interface BuiltHub {
  app: HubApp;
  db: HubDatabase;
  results: ResultsStore;
  agents: AgentsStore;
  users: UsersStore;
  audit: AuditStore;
  events: HubEvents;
  counters: IngestCounters;
  resultHandler: ResultHandler;
  models: ModelsStore;
  rollouts: RolloutRunner;
  /** Live shadows of candidates beside production (docs/rollout.md "Live shadow"). */
  shadows: Shadows['runner'];
  desired: DesiredPublisher;
  /** Signed reads on their way to the clinics: `reports.enqueueReport(report)` (docs/clinic.md). */
  reports: Reports;
  /** Diagnostic images: store, files and the retention job (`images.retention.start()` in startHub). */
  images: Images;
  /** The training queue (docs/hub.md#training). */
  training: Training;
  /** Drift per site and week (docs/hub.md#drift). */
  drift: Drift['monitor'];
  /** The agent MQTT login's stored scrypt hash (the embedded broker checks passwords against it). */
  agentPasswordHash(username: string): Promise<string | undefined>;
  /** Feeds one MQTT message (topic, payload) into ingest. */
  dispatch(topic: string, payload: Buffer): void;
  /** Resolves when every message dispatched so far is stored and the rollout runner has acted on it. */
  drain(): Promise<void>;
  /** Replaces the ack sink (startHub sets the MQTT client's). */
  setPublishAck(publish: PublishAck): void;
  /** Hands over the `model/desired` sink (startHub sets the MQTT client's); waiting messages go first. */
  setPublishDesired(publish: PublishDesired): void;
  /** Hands over the `calibration` sink (startHub sets the MQTT client's); waiting messages go first. */
  setPublishCalibration(publish: PublishCalibration): void;
  /** The URL the hub listens at: the base of capability URLs unless config `http.publicUrl` is set. */
  setListenUrl(url: string): void;
  /** Whom the rollout runner (and, with NATS, image retention) asks whether this replica runs the jobs. */
  setJobsActive(isActive: () => boolean): void;
  close(): Promise<void>;
}

export async function buildHub(deps: HubDeps): Promise<BuiltHub> {
  const { config } = deps;
  const log = deps.log ?? pino({ level: config.logLevel, base: { service: 'hub' } });
  const now = deps.now ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const url = databaseUrl(config);
  const db = await openHubDatabase(url);
  log.info({ database: redactUrl(url), schemaVersion: db.schemaVersion }, 'hub database open');
  try {
    // Until startHub hands over the MQTT client, acks and desired messages wait here (a persistent session
    // can deliver queued results, and they can commit, before the connect call has returned).
    const acks = createBufferedSink<Parameters<PublishAck>>(deps.publishAck);
    const desiredSink = createBufferedSink<Parameters<PublishDesired>>(deps.publishDesired);
    const calibrationSink = createBufferedSink<Parameters<PublishCalibration>>();
    const scheme = config.http.tls ? 'https' : 'http';
    let publicUrl = config.http.publicUrl ?? `${scheme}://${config.http.host}:${config.http.port}`;
    const ingestLog = log.child({ component: 'ingest' });
    const events = createHubEvents();
    let jobsActive = () => true;

    const secureCookies = config.http.tls !== undefined;
    const sessionTtlMs = config.http.sessionTtlHours * 3_600_000;
    const accounts = createAccounts({
      db,
      now,
      sessionTtlMs,
      secureCookies,
      settings: { activationDefault: config.viewer.activationDefault, claimTimeoutS: config.reads.claimTimeoutS },
    });
    await seedFromConfig(db, config, now());
    const registry = await createRegistry({ db, config, audit: accounts.audit, now });
    const rolloutAgents = createRolloutAgentsStore(db);
    const reports = createReports({ db, now, log: log.child({ component: 'reports' }), resendIntervalMs: 60_000 });
    // A signed read queues its clinic report in the same transaction, then it goes out at once.
    const reviews = createReviews({
      db,
      events,
      now,
      claimTimeoutS: config.reads.claimTimeoutS,
      signed: {
        inSigning: async (tx, read, study) => {
          await createReportOutboxStore(tx).enqueue(clinicReportOf(read, study), now().getTime());
        },
        afterSigning: () => void reports.resend({ onlyDue: true }).catch(() => undefined),
      },
    });
    const results = createResults({
      db,
      dataDir: config.dataDir,
      events,
      publishAck: acks.send,
      reads: reviews.reads,
      audit: accounts.audit,
      brokerRefused: deps.brokerRefused ?? (() => null),
      now,
      log: ingestLog,
    });
    await results.start(); // results stored before the triage policy get theirs
    const { counters } = results;
    const fleet = createFleet({ db, counters, events, rolloutAgents, now, log: ingestLog });
    const rollouts = createRollouts({
      db,
      registry,
      fleet: { agents: fleet.agents, credentials: accounts.credentials },
      events,
      defaults: config.rollout,
      publicUrl: () => publicUrl,
      publishDesired: desiredSink.send,
      agentPasswordHash: (username) => accounts.credentials.hash(username),
      lock: createClusterLock(db, LOCK_KEYS.rollouts),
      isActive: () => jobsActive(),
      now,
      log: log.child({ component: 'rollout' }),
    });
    const shadows = createShadows({
      db,
      config,
      models: registry.models,
      fleet: { agents: fleet.agents, credentials: accounts.credentials },
      rollouts,
      events,
      now,
      log: log.child({ component: 'shadow' }),
    });
    const images = createImages({
      db,
      dataDir: config.dataDir,
      config: config.images,
      agentPasswordHash: (username) => accounts.credentials.hash(username),
      ...(config.mqtt.broker === 'nats' ? { isActive: () => jobsActive() } : {}),
      now,
      log: log.child({ component: 'images' }),
    });
    const training = createTraining({
      db,
      config,
      audit: accounts.audit,
      events,
      diagnosticPath: (sha256) => images.files.pathOf(sha256),
      publishCalibration: calibrationSink.send,
      agents: async () => knownAgents(await accounts.credentials.usernames(), await fleet.agents.list()),
      agentPasswordHash: (username) => accounts.credentials.hash(username),
      log: log.child({ component: 'training' }),
      now,
    });
    const drift = createDrift({
      db,
      config: config.drift,
      models: registry.models,
      jobs: training.jobs,
      audit: accounts.audit,
      events,
      now,
      log: log.child({ component: 'drift' }),
    });
    const calibrations = training.calibrationPublisher;
    const handleStatus = withStatusTaps(fleet.handleStatus, { drift: drift.monitor, calibrations });
    const ingest = createDispatcher(
      {
        result: results.handler.handle,
        status: handleStatus,
        modelState: fleet.handleModelState,
        reportAck: reports.handleAck,
      },
      counters,
      ingestLog,
    );
    const app = await buildHttpApp({
      log: log.child({ component: 'api' }),
      ...(config.http.tls ? { tls: config.http.tls } : {}),
      trustProxy: config.http.trustProxy,
      hooks: [accounts.loadSessions],
      features: [
        accounts.routes,
        results.routes,
        reviews.routes,
        fleet.routes,
        registry.routes,
        rollouts.routes,
        shadows.routes,
        images.routes,
        training.routes,
        drift.routes,
        async (app) => {
          await app.register(eventsRoutes, { events });
        },
        async (app) => {
          await app.register(metricsRoutes, {
            db,
            counters,
            agents: fleet.agents,
            now,
            extra: drift.monitor.metricsText,
          });
        },
        async (app) => {
          await app.register(healthRoutes, { db, jobsActive: () => jobsActive() });
        },
      ],
    });
    return {
      app,
      db,
      results: results.results,
      agents: fleet.agents,
      users: accounts.users,
      audit: accounts.audit,
      events,
      counters,
      resultHandler: results.handler,
      models: registry.models,
      rollouts: rollouts.runner,
      shadows: shadows.runner,
      desired: rollouts.desired,
      reports,
      images,
      training,
      drift: drift.monitor,
      agentPasswordHash: (username) => accounts.credentials.hash(username),
      dispatch: ingest.dispatch,
      async drain() {
        await ingest.drain();
        await results.handler.drain();
        await rollouts.runner.idle();
        await shadows.runner.idle();
      },
      setPublishAck: acks.attach,
      setPublishDesired: desiredSink.attach,
      setPublishCalibration: calibrationSink.attach,
      setListenUrl(url) {
        if (!config.http.publicUrl) publicUrl = url;
      },
      setJobsActive(isActive) {
        jobsActive = isActive;
      },
      async close() {
        await images.retention.close();
        await reports.close();
        await shadows.runner.close();
        await rollouts.runner.close();
        await app.close();
        await ingest.drain();
        await results.handler.drain();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
