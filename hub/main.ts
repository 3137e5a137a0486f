/**
 * The hub's composition root: config → database, blob store, embedded or external broker, ingest
 * (one handler per message type behind one dispatcher), HTTP API + dashboard. `buildHub` wires the
 * parts without listening or connecting (tests drive it with `app.inject` and `dispatch`);
 * `startHub` starts them in dependency order and `close()` stops them in reverse.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApi } from './api/build-api.ts';
import type { HubApp } from './api/type-provider.ts';
import type { HubConfig } from './config.ts';
import { createHubEvents, type HubEvents } from './events/hub-events.ts';
import { createIngestCounters, type IngestCounters } from './ingest/counters.ts';
import { createDispatcher } from './ingest/dispatcher.ts';
import { createModelStateHandler } from './ingest/handle-model-state.ts';
import { createResultHandler, type PublishAck, type ResultHandler } from './ingest/handle-result.ts';
import { createStatusHandler } from './ingest/handle-status.ts';
import { usernameFor } from './mqtt/acl.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt/embedded-broker.ts';
import { connectHubClient, type HubClient } from './mqtt/hub-client.ts';
import { type AgentsStore, createAgentsStore } from './store/agents-store.ts';
import { type AuditStore, createAuditStore } from './store/audit-store.ts';
import { createBlobStore } from './store/blob-store.ts';
import { type HubDb, openHubDb } from './store/db.ts';
import { createResultsStore, type ResultsStore } from './store/results-store.ts';
import { createReviewsStore } from './store/reviews-store.ts';
import { createStatsStore } from './store/stats-store.ts';
import { createUsersStore, type UsersStore } from './store/users-store.ts';

export interface HubDeps {
  config: HubConfig;
  log?: Logger;
  now?: () => Date;
  /** Where acks go; startHub points it at the MQTT client once connected. */
  publishAck?: PublishAck;
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
  /** Feeds one MQTT message (topic, payload) into ingest. */
  dispatch(topic: string, payload: Buffer): void;
  /** Replaces the ack sink (startHub sets the MQTT client's). */
  setPublishAck(publish: PublishAck): void;
  close(): Promise<void>;
}

/** Seeds config users and agent credentials; a new or changed account is audited. */
function seedFromConfig(config: HubConfig, users: UsersStore, agents: AgentsStore, audit: AuditStore, now: Date) {
  for (const user of config.users) {
    const change = users.upsert(user.username, user.role, user.passwordHash, now);
    if (change !== 'unchanged') {
      audit.append(
        { actor: 'config', action: `user.${change}`, target: user.username, after: { role: user.role } },
        now,
      );
    }
  }
  for (const agent of config.agents) agents.upsertCredential(usernameFor(agent), agent.passwordHash, now);
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

  // Until startHub hands over the MQTT client, acks wait here (a persistent session can deliver queued
  // results, and they can commit, before the connect call has returned).
  const waitingAcks: Parameters<PublishAck>[] = [];
  let publishAck: PublishAck = deps.publishAck ?? ((address, ack) => waitingAcks.push([address, ack]));
  const ingestLog = log.child({ component: 'ingest' });
  const resultHandler = createResultHandler({
    results,
    blobs,
    counters,
    events,
    now,
    log: ingestLog,
    publishAck: (address, ack) => publishAck(address, ack),
  });
  const dispatch = createDispatcher(
    {
      result: resultHandler.handle,
      status: createStatusHandler({ agents, counters, events, now, log: ingestLog }),
      modelState: createModelStateHandler({ agents, counters, events, now, log: ingestLog }),
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
    dispatch,
    setPublishAck(publish) {
      publishAck = publish;
      for (const [address, ack] of waitingAcks.splice(0)) publish(address, ack);
    },
    async close() {
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
    const address = await hub.app.listen({ host: config.http.host, port: config.http.port });
    const httpUrl = address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
    log.info({ httpUrl }, 'hub ready');
    return {
      httpUrl,
      mqttUrl: broker ? broker.url : config.mqtt.url!,
      hub,
      ...(broker ? { broker } : {}),
      async close() {
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
