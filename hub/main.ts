/**
 * The hub's composition root: `startHub` builds the hub (build-hub.ts wires config → database → one line per
 * feature → ingest → HTTP API and dashboard, without listening or connecting; tests drive that with `app.inject`
 * and `dispatch`), then starts the parts in dependency order — embedded broker, HTTP, live-event fan-out, broker
 * link, background jobs — and `close()` stops them in reverse. With a NATS cluster and PostgreSQL several such
 * processes run side by side (docs/scale-out.md): results come from a shared JetStream consumer, live events
 * cross replicas through PostgreSQL, and background jobs run in the replica holding a lease.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { type BrokerLink, connectBrokerLink } from './broker/broker-link.ts';
import { type BuiltHub, buildHub } from './build-hub.ts';
import { databaseUrl, type HubConfig } from './config.ts';
import { createLeaseStore } from './db/lease.ts';
import { type EventFanout, startEventFanout } from './events/fanout-postgres.ts';
import { startBackgroundJobs } from './jobs/background-jobs.ts';
import type { JobLeader } from './jobs/job-leader.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt/embedded-broker.ts';

export { type BuiltHub, buildHub, type HubDeps } from './build-hub.ts';

export interface RunningHub {
  httpUrl: string;
  mqttUrl: string;
  hub: BuiltHub;
  broker?: EmbeddedBroker;
  close(): Promise<void>;
}

export async function startHub(config: HubConfig, options: { log?: Logger } = {}): Promise<RunningHub> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'hub' } });
  const replica = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let broker: EmbeddedBroker | undefined;
  let link: BrokerLink | undefined;
  let fanout: EventFanout | undefined;
  let jobs: JobLeader | undefined;
  const hub = await buildHub({ config, log, brokerRefused: () => broker?.refused ?? null });
  try {
    if (config.mqtt.broker === 'embedded') {
      broker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        ...(config.mqtt.tls ? { tls: config.mqtt.tls } : {}),
        agentPasswordHash: hub.agentPasswordHash,
        log: log.child({ component: 'broker' }),
      });
    }
    // HTTP listens before MQTT connects: the listen URL is the base of capability URLs in model/desired,
    // and the first agent status (which can start the next rollout wave) arrives right after CONNACK.
    const address = await hub.app.listen({ host: config.http.host, port: config.http.port });
    const httpUrl = address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');
    hub.setListenUrl(httpUrl);
    // Live events from the other replicas sharing this database (and ours to them).
    if (hub.db.dialect === 'postgres') {
      fanout = await startEventFanout({
        url: databaseUrl(config),
        events: hub.events,
        origin: replica,
        log: log.child({ component: 'fanout' }),
      });
    }
    link = await connectBrokerLink({
      mqtt: config.mqtt,
      nats: config.nats,
      ...(broker ? { embedded: broker } : {}),
      dispatch: hub.dispatch,
      pending: hub.resultHandler.pending,
      drain: () => hub.drain(),
      // A broker that went away may have lost reports: the replica running the jobs sends them again.
      onReconnect: () => void (jobs?.isActive() ? hub.reports.resend().catch(() => undefined) : undefined),
      log,
    });
    hub.setPublishAck(link.publishAck);
    hub.setPublishDesired(link.client.publishDesired);
    hub.setPublishCalibration(link.client.publishCalibration);
    hub.reports.setPublisher(link.client.publishReport);
    const { client } = link;
    jobs = await startBackgroundJobs({
      parts: {
        desired: hub.desired,
        calibrations: hub.training.calibrationPublisher,
        reports: hub.reports,
        rollouts: hub.rollouts,
        retention: hub.images.retention,
        subscriptions: { kinds: link.jobKinds, subscribe: client.subscribe, unsubscribe: client.unsubscribe },
      },
      setActive: hub.setJobsActive,
      // Replicas (NATS) share the jobs through a database lease; a single hub runs them all the time.
      ...(config.mqtt.broker === 'nats'
        ? {
            lease: {
              leases: createLeaseStore(hub.db),
              holder: replica,
              ttlMs: config.jobs.leaseTtlS * 1000,
              nowMs: () => Date.now(),
            },
          }
        : {}),
      rolloutIntervalMs: config.rollout.evaluateIntervalS * 1000,
      periodic: [
        { what: 'drift evaluation', intervalMs: config.drift.evaluateIntervalS * 1000, run: hub.drift.evaluate },
        {
          what: 'scheduled training jobs',
          intervalMs: config.training.scheduleCheckIntervalS * 1000,
          run: hub.training.scheduler.runDue,
        },
      ],
      log: log.child({ component: 'jobs' }),
    });
    log.info({ httpUrl, replica }, 'hub ready');
    return {
      httpUrl,
      mqttUrl: broker ? broker.url : config.mqtt.url!,
      hub,
      ...(broker ? { broker } : {}),
      async close() {
        await jobs?.close();
        await hub.images.retention.close();
        await hub.reports.close();
        await hub.shadows.close();
        await hub.rollouts.close();
        await hub.app.close();
        await link?.close();
        await fanout?.close();
        await broker?.close();
        await hub.db.close();
      },
    };
  } catch (error) {
    await jobs?.close().catch(() => {});
    await link?.close().catch(() => {});
    await fanout?.close().catch(() => {});
    await broker?.close().catch(() => {});
    await hub.close();
    throw error;
  }
}
