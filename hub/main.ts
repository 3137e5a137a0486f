/**
 * The hub's composition root: config → database, blob store, embedded or external broker, ingest
 * (one handler per message type behind one dispatcher), model registry and rollout runner, HTTP API +
 * dashboard. `buildHub` wires the parts without listening or connecting (tests drive it with
 * `app.inject` and `dispatch`; rollouts advance on agent events, `hub.rollouts.evaluateAll()` forces a
 * pass); `startHub` starts them in dependency order and `close()` stops them in reverse.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { seedFromConfig } from './admin/seed-from-config.ts';
import { buildApi } from './api/build-api.ts';
import { createPublisherCheck } from './api/models/publisher-auth.ts';
import type { HubApp } from './api/type-provider.ts';
import type { HubConfig } from './config.ts';
import { createHubEvents, type HubEvents } from './events/hub-events.ts';
import { createIngestCounters, type IngestCounters } from './ingest/counters.ts';
import { createDispatcher } from './ingest/dispatcher.ts';
import { createModelStateHandler } from './ingest/handle-model-state.ts';
import { createResultHandler, type PublishAck, type ResultHandler } from './ingest/handle-result.ts';
import { createStatusHandler } from './ingest/handle-status.ts';
import { createBufferedSink } from './mqtt/buffered-sink.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt/embedded-broker.ts';
import { connectHubClient, type HubClient } from './mqtt/hub-client.ts';
import { createCapabilityTokens } from './registry/capability-token.ts';
import { createPackageStore } from './registry/package-store.ts';
import { createPublisher } from './registry/publish-package.ts';
import { createDesiredPublisher, type DesiredPublisher, type PublishDesired } from './rollout/desired-publisher.ts';
import { createRolloutRunner, type RolloutRunner } from './rollout/rollout-runner.ts';
import { createPinSetter } from './rollout/set-pin.ts';
import { type AgentsStore, createAgentsStore } from './store/agents-store.ts';
import { type AuditStore, createAuditStore } from './store/audit-store.ts';
import { createBlobStore } from './store/blob-store.ts';
import { type HubDb, openHubDb } from './store/db.ts';
import { createDesiredStore } from './store/desired-store.ts';
import { hubSecret } from './store/hub-secrets.ts';
import { createModelsStore, type ModelsStore } from './store/models-store.ts';
import { createPinsStore } from './store/pins-store.ts';
import { createResultsStore, type ResultsStore } from './store/results-store.ts';
import { createReviewsStore } from './store/reviews-store.ts';
import { createRolloutAgentsStore } from './store/rollout-agents-store.ts';
import { createRolloutsStore } from './store/rollouts-store.ts';
import { createStatsStore } from './store/stats-store.ts';
import { createUsersStore, type UsersStore } from './store/users-store.ts';

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
  db: HubDb;
  results: ResultsStore;
  agents: AgentsStore;
  users: UsersStore;
  audit: AuditStore;
  events: HubEvents;
  counters: IngestCounters;
  resultHandler: ResultHandler;
  models: ModelsStore;
  rollouts: RolloutRunner;
  desired: DesiredPublisher;
  /** Feeds one MQTT message (topic, payload) into ingest. */
  dispatch(topic: string, payload: Buffer): void;
  /** Replaces the ack sink (startHub sets the MQTT client's). */
  setPublishAck(publish: PublishAck): void;
  /** Hands over the `model/desired` sink (startHub sets the MQTT client's); waiting messages go first. */
  setPublishDesired(publish: PublishDesired): void;
  /** The URL the hub listens at: the base of capability URLs unless config `http.publicUrl` is set. */
  setListenUrl(url: string): void;
  close(): Promise<void>;
}

export async function buildHub(deps: HubDeps): Promise<BuiltHub> {
  const { config } = deps;
  const log = deps.log ?? pino({ level: config.logLevel, base: { service: 'hub' } });
  const now = deps.now ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const db = openHubDb(join(config.dataDir, 'hub.db'));
  const blobs = createBlobStore(join(config.dataDir, 'blobs'));
  const results = createResultsStore(db);
  const audit = createAuditStore(db);
  const reviews = createReviewsStore(db, audit);
  const agents = createAgentsStore(db);
  const users = createUsersStore(db);
  const stats = createStatsStore(db);
  const events = createHubEvents();
  const counters = createIngestCounters();
  seedFromConfig(config, users, agents, audit, now());

  // Until startHub hands over the MQTT client, acks and desired messages wait here (a persistent session
  // can deliver queued results, and they can commit, before the connect call has returned).
  const acks = createBufferedSink<Parameters<PublishAck>>(deps.publishAck);
  const desiredSink = createBufferedSink<Parameters<PublishDesired>>(deps.publishDesired);

  const models = createModelsStore(db);
  const pins = createPinsStore(db);
  const rolloutAgents = createRolloutAgentsStore(db);
  const desiredStore = createDesiredStore(db);
  const rolloutsStore = createRolloutsStore(db);
  const scheme = config.http.tls ? 'https' : 'http';
  let publicUrl = config.http.publicUrl ?? `${scheme}://${config.http.host}:${config.http.port}`;
  const capability = createCapabilityTokens(hubSecret(db, 'capability', now()));
  const desired = createDesiredPublisher({
    models,
    desired: desiredStore,
    capability,
    publicUrl: () => publicUrl,
    publish: desiredSink.send,
    now,
  });
  const pinSetter = createPinSetter({
    db,
    pins,
    models,
    agents,
    desired: desiredStore,
    audit,
    publisher: desired,
    now,
  });
  const rollouts = createRolloutRunner({
    db,
    rollouts: rolloutsStore,
    rolloutAgents,
    models,
    agents,
    pins,
    audit,
    events,
    publisher: desired,
    pinSetter,
    defaults: config.rollout,
    now,
    log: log.child({ component: 'rollout' }),
  });
  const packages = createPackageStore(join(config.dataDir, 'models'));

  const ingestLog = log.child({ component: 'ingest' });
  const resultHandler = createResultHandler({
    results,
    blobs,
    counters,
    events,
    now,
    log: ingestLog,
    publishAck: acks.send,
  });
  const dispatch = createDispatcher(
    {
      result: resultHandler.handle,
      status: createStatusHandler({ agents, counters, events, now, log: ingestLog }),
      modelState: createModelStateHandler({ agents, rolloutAgents, counters, events, now, log: ingestLog }),
    },
    counters,
    ingestLog,
  );
  const app = await buildApi({
    results,
    reviews,
    audit,
    agents,
    users,
    stats,
    blobs,
    events,
    counters,
    brokerRefused: deps.brokerRefused ?? (() => null),
    now,
    log: log.child({ component: 'api' }),
    sessionTtlMs: config.http.sessionTtlHours * 3_600_000,
    registry: {
      models,
      packages,
      capability,
      publish: createPublisher({ db, models, packages, audit, trustedKeysDir: config.models.trustedKeysDir, now }),
      checkPublisher: createPublisherCheck(config.publishers),
      maxPackageBytes: config.models.maxPackageBytes,
    },
    rollout: { runner: rollouts, rollouts: rolloutsStore, rolloutAgents, pins, pinSetter },
    ...(config.http.tls ? { tls: config.http.tls } : {}),
  });
  return {
    app,
    db,
    results,
    agents,
    users,
    audit,
    events,
    counters,
    resultHandler,
    models,
    rollouts,
    desired,
    dispatch,
    setPublishAck: acks.attach,
    setPublishDesired: desiredSink.attach,
    setListenUrl(url) {
      if (!config.http.publicUrl) publicUrl = url;
    },
    async close() {
      rollouts.close();
      await app.close();
      await resultHandler.drain();
      db.close();
    },
  };
}

export interface RunningHub {
  httpUrl: string;
  mqttUrl: string;
  hub: BuiltHub;
  broker?: EmbeddedBroker;
  close(): Promise<void>;
}

export async function startHub(config: HubConfig, options: { log?: Logger } = {}): Promise<RunningHub> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'hub' } });
  let broker: EmbeddedBroker | undefined;
  let client: HubClient | undefined;
  const hub = await buildHub({ config, log, brokerRefused: () => broker?.refused ?? null });
  try {
    if (config.mqtt.broker === 'embedded') {
      broker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        ...(config.mqtt.tls ? { tls: config.mqtt.tls } : {}),
        agentPasswordHash: (username) => hub.agents.credential(username),
        log: log.child({ component: 'broker' }),
      });
    }
    // HTTP listens before MQTT connects: the listen URL is the base of capability URLs in model/desired,
    // and the first agent status (which can start the next rollout wave) arrives right after CONNACK.
    const address = await hub.app.listen({ host: config.http.host, port: config.http.port });
    const httpUrl = address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
    hub.setListenUrl(httpUrl);
    const login = broker
      ? broker.hubLogin
      : { username: config.mqtt.username ?? '', password: config.mqtt.password ?? '' };
    client = await connectHubClient({
      url: broker ? broker.url : config.mqtt.url!,
      ...login,
      clientId: config.mqtt.clientId,
      ...(config.mqtt.caFile ? { caFile: config.mqtt.caFile } : {}),
      ...(broker?.certificatePem ? { pinnedCertificatePem: broker.certificatePem } : {}),
      onMessage: hub.dispatch,
      pending: hub.resultHandler.pending,
      log: log.child({ component: 'mqtt' }),
    });
    hub.setPublishAck(client.publishAck);
    // Every agent's desired state again: the embedded broker keeps retained messages in memory only, and a
    // crash can have kept a stored message from any broker. Agents take a repeated one idempotently.
    hub.desired.republishAll();
    hub.setPublishDesired(client.publishDesired);
    hub.rollouts.startTimer(config.rollout.evaluateIntervalS * 1000);
    hub.rollouts.evaluateAll();
    log.info({ httpUrl }, 'hub ready');
    return {
      httpUrl,
      mqttUrl: broker ? broker.url : config.mqtt.url!,
      hub,
      ...(broker ? { broker } : {}),
      async close() {
        hub.rollouts.close();
        await hub.app.close();
        await hub.resultHandler.drain();
        await client?.close();
        await broker?.close();
        hub.db.close();
      },
    };
  } catch (error) {
    await client?.close().catch(() => {});
    await broker?.close().catch(() => {});
    await hub.close();
    throw error;
  }
}
