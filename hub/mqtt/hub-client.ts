/**
 * The hub's own MQTT connection (privileged user) to the embedded or an external broker. It subscribes
 * to every agent's result/status/model-state (QoS 1, persistent session so the broker keeps messages
 * while the hub is down) and publishes acks (QoS 1) to `cxr/v1/<site>/<agent>/ack` and each agent's
 * `model/desired` (QoS 1, retained: an agent that is offline gets the latest when it reconnects).
 *
 * Backpressure: mqtt.js PUBACKs an incoming message when `handleMessage` calls back; we call back at
 * once unless the ingest queue is above `highWater`, in which case we wait for it to drain.
 * A lost broker is logged once, and its return once with how long it was away (link-watch.ts).
 * With a NATS cluster (docs/scale-out.md) the client lists every node (`failoverUrls`, tried in turn), keeps a
 * clean session under a per-replica id, subscribes to nothing at connect (results come from JetStream) and
 * takes the status, model-state and report-ack subscriptions only while its replica runs the background jobs.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import type { AckMessage, ClinicReport, ModelDesired, SiteCalibrationMessage } from '../../protocol/messages.ts';
import { type AgentAddress, filterForAll, type TopicKind, topicFor } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import { createLinkWatch } from './link-watch.ts';

export interface HubClientOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  /** Other nodes of the broker's cluster, tried in turn after `url` on each reconnect. */
  failoverUrls?: readonly string[];
  /** Default false: a persistent session, so the broker keeps messages while the hub is down. */
  clean?: boolean;
  /** What to subscribe to at connect (default: result, status, model/state, report/ack). */
  kinds?: readonly TopicKind[];
  caFile?: string;
  /** Trust exactly this certificate and skip the host-name check: the hub's own loopback link to its embedded broker. */
  pinnedCertificatePem?: string;
  onMessage(topic: string, payload: Buffer): void;
  /** Called at every reconnect after the first connect (the hub re-sends what agents have not acked). */
  onReconnect?(): void;
  /** Current ingest queue length, for backpressure. */
  pending(): number;
  highWater?: number;
  /** The clock for outage durations (default Date.now). */
  nowMs?: () => number;
  log: Logger;
}

export interface HubClient {
  publishAck(address: AgentAddress, ack: AckMessage): void;
  /** Retained QoS 1; the message is checked against the protocol schema first (a programmer error throws). */
  publishDesired(address: AgentAddress, desired: ModelDesired): void;
  /** The site's calibration, retained QoS 1 (docs/hub.md#site-calibration); checked against the schema first. */
  publishCalibration(address: AgentAddress, message: SiteCalibrationMessage): void;
  /** A signed read for the agent's clinic, QoS 1 (not retained: the hub's report outbox re-sends it). */
  publishReport(address: AgentAddress, report: ClinicReport): void;
  /** Subscribes (QoS 1) to one kind from every agent; a refusal throws CXR_ERR_HUB_MQTT_CONNECT. */
  subscribe(kinds: readonly TopicKind[]): Promise<void>;
  unsubscribe(kinds: readonly TopicKind[]): Promise<void>;
  close(): Promise<void>;
}

const ALL_KINDS: readonly TopicKind[] = ['result', 'status', 'model/state', 'report/ack'];

/** mqtt.js `servers`: every node, `url` first. */
function serversOf(urls: readonly string[]) {
  return urls.map((url) => {
    const parsed = new URL(url);
    const protocol = parsed.protocol === 'mqtts:' ? ('mqtts' as const) : ('mqtt' as const);
    return { host: parsed.hostname, port: Number(parsed.port) || (protocol === 'mqtts' ? 8883 : 1883), protocol };
  });
}

export async function connectHubClient(options: HubClientOptions): Promise<HubClient> {
  const highWater = options.highWater ?? 2000;
  const log = options.log;
  // handleMessage is installed BEFORE connecting: with a persistent session the broker sends what it
  // queued while the hub was down right after CONNACK, and none of it may be PUBACKed unhandled.
  const client: MqttClient = mqtt.connect(options.url, {
    username: options.username,
    password: options.password,
    clientId: options.clientId,
    clean: options.clean ?? false,
    // A clean session has no subscriptions after a reconnect: we make them again ourselves, until they hold.
    resubscribe: !(options.clean ?? false),
    ...(options.failoverUrls?.length ? { servers: serversOf([options.url, ...options.failoverUrls]) } : {}),
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // A refused CONNACK (a cluster node whose JetStream is electing leaders) is retried like a lost link; by
    // default mqtt.js stops reconnecting for good after one (agent/sync/mqtt-options.ts).
    reconnectOnConnackError: true,
    ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    ...(options.pinnedCertificatePem ? { ca: options.pinnedCertificatePem, checkServerIdentity: () => undefined } : {}),
  });
  client.handleMessage = (packet, done) => {
    options.onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
    if (options.pending() < highWater) return done();
    const wait = () => (options.pending() < highWater ? done() : setTimeout(wait, 5));
    wait();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (cause) {
    client.end(true);
    throw new CxrError('CXR_ERR_HUB_MQTT_CONNECT', `cannot connect to the MQTT broker: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
  // One line when the broker goes away and one when it is back, not one per reconnect attempt.
  const link = createLinkWatch();
  const now = options.nowMs ?? Date.now;
  client.on('close', () => {
    if (link.down(now())) log.warn('MQTT broker connection lost; reconnecting every second (quietly)');
  });
  client.on('error', (error) => {
    if (link.isDown()) log.debug({ err: error.message }, 'MQTT reconnect attempt failed');
    else log.error({ err: error.message }, 'MQTT client error');
  });
  client.on('reconnect', () => log.debug('MQTT reconnecting'));
  client.on('connect', () => {
    const outage = link.up(now());
    if (outage) {
      const since = new Date(outage.downSinceMs).toISOString();
      log.info({ downMs: outage.downMs, downSince: since }, 'MQTT broker connection restored');
    }
    if (options.clean) void resubscribe();
    options.onReconnect?.();
  });
  const wanted = new Set<TopicKind>();
  async function subscribeNow(kinds: readonly TopicKind[]): Promise<void> {
    if (kinds.length === 0) return;
    const granted = await client.subscribeAsync(kinds.map(filterForAll), { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) {
      throw new CxrError(
        'CXR_ERR_HUB_MQTT_CONNECT',
        `broker refused the hub's subscriptions: ${refused.map((g) => g.topic).join(', ')}`,
        { kind: 'internal' },
      );
    }
  }
  async function subscribe(kinds: readonly TopicKind[]): Promise<void> {
    for (const kind of kinds) wanted.add(kind);
    await subscribeNow(kinds);
  }
  // After a reconnect a cluster node may refuse for a while (its JetStream electing leaders): try every second.
  let resubscribing = false;
  async function resubscribe(): Promise<void> {
    if (resubscribing) return;
    resubscribing = true;
    try {
      for (let attempt = 0; wanted.size > 0 && client.connected; attempt++) {
        try {
          await subscribeNow([...wanted]);
          if (attempt > 0) log.info('MQTT subscriptions restored');
          return;
        } catch (error) {
          if (attempt === 0) log.warn({ err: (error as Error).message }, 'MQTT subscriptions refused; retrying');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    } finally {
      resubscribing = false;
    }
  }
  await subscribe(options.kinds ?? ALL_KINDS);
  log.info({ url: options.url.replace(/\/\/[^@]*@/, '//') }, 'hub MQTT client connected');
  return {
    publishAck(address, ack) {
      client.publish(topicFor(address, 'ack'), JSON.stringify(ack), { qos: 1 }, (error) => {
        if (error) log.warn({ err: error.message, ...address }, 'ack publish failed; the agent will re-send');
      });
    },
    publishDesired(address, desired) {
      if (!decoders.modelDesired.check(desired)) {
        throw new CxrError(
          'CXR_ERR_PROTOCOL_INVALID',
          `model/desired for ${address.site}/${address.agent} is invalid`,
          {
            kind: 'internal',
          },
        );
      }
      client.publish(topicFor(address, 'model/desired'), JSON.stringify(desired), { qos: 1, retain: true }, (error) => {
        // mqtt.js keeps unacked QoS 1 messages and re-sends them after a reconnect; this is a failure it gave up on.
        if (error)
          log.error({ err: error.message, ...address, version: desired.version }, 'model/desired publish failed');
      });
    },
    publishCalibration(address, message) {
      if (!decoders.calibration.check(message)) {
        throw new CxrError('CXR_ERR_PROTOCOL_INVALID', `calibration for ${address.site}/${address.agent} is invalid`, {
          kind: 'internal',
        });
      }
      client.publish(topicFor(address, 'calibration'), JSON.stringify(message), { qos: 1, retain: true }, (error) => {
        if (error)
          log.error({ err: error.message, ...address, version: message.version }, 'calibration publish failed');
      });
    },
    publishReport(address, report) {
      client.publish(topicFor(address, 'report'), JSON.stringify(report), { qos: 1 }, (error) => {
        if (error) log.warn({ err: error.message, ...address }, 'report publish failed; the outbox sends it again');
      });
    },
    subscribe,
    async unsubscribe(kinds) {
      for (const kind of kinds) wanted.delete(kind);
      if (kinds.length > 0) await client.unsubscribeAsync(kinds.map(filterForAll));
    },
    async close() {
      await client.endAsync();
    },
  };
}
