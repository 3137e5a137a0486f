/**
 * A light agent for broker-cluster tests and benches: a plain mqtt.js MQTT 3.1.1 client with the agent's
 * login and the agent's delivery contract, without the imaging pipeline. It lists every broker node (tried
 * in turn on reconnect), keeps a persistent session, publishes results QoS 1 with at most `window` unacked,
 * and publishes again any result the hub has not acked within `resendMs` — as agent/sync's outbox does, so
 * a result lost in a broker or hub crash still arrives. It records every ack and `model/desired` it gets.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { AckMessage, ModelDesired, ResultMessage } from '../../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../../protocol/topics.ts';

export interface OutboxAgentOptions {
  urls: readonly string[];
  address: AgentAddress;
  password: string;
  window?: number;
  resendMs?: number;
  /** How long the first connect may take, refusals retried meanwhile (default 60 s). */
  connectWithinMs?: number;
}

export interface OutboxAgent {
  address: AgentAddress;
  /** resultId → every ack status the hub sent for it, in order. */
  acks: Map<string, AckMessage['status'][]>;
  desired: ModelDesired[];
  /** Publishes these results (in order, `window` at a time) until each is acked. */
  send(messages: readonly ResultMessage[]): void;
  /** Results sent and not acked yet. */
  unacked(): number;
  /** How many times a result was published again after `resendMs` without an ack. */
  resends(): number;
  publish(kind: 'status' | 'model/state', body: unknown, retain?: boolean): Promise<void>;
  client: MqttClient;
  close(): Promise<void>;
}

/**
 * Resolves on the client's first CONNACK. A refusal before it is retried, as the agent retries (mqtt.js's
 * connectAsync gives up on the first one: a NATS node still making the account's MQTT streams answers a new
 * client "server unavailable" for a moment, which failed the scale-out test's set-up on a loaded CI machine).
 */
function firstConnect(client: MqttClient, withinMs: number): Promise<void> {
  const errors: string[] = [];
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => errors.push(error.message);
    const timer = setTimeout(() => {
      client.off('error', onError);
      client.end(true);
      reject(new Error(`MQTT client not connected within ${withinMs} ms: ${errors.join('; ') || 'no answer'}`));
    }, withinMs);
    client.on('error', onError);
    client.once('connect', () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    });
  });
}

export async function connectOutboxAgent(options: OutboxAgentOptions): Promise<OutboxAgent> {
  const { address } = options;
  const window = options.window ?? 16;
  const resendMs = options.resendMs ?? 8_000;
  const servers = options.urls.map((url) => {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: Number(parsed.port), protocol: 'mqtt' as const };
  });
  const client = mqtt.connect(options.urls[0]!, {
    servers,
    username: `${address.site}/${address.agent}`,
    password: options.password,
    clientId: `cxr-agent-${address.site}-${address.agent}`,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 500,
    connectTimeout: 5_000,
    reconnectOnConnackError: true, // as the agent (agent/sync/mqtt-options.ts): a refused CONNACK is retried
  });
  await firstConnect(client, options.connectWithinMs ?? 60_000);
  const queue: ResultMessage[] = [];
  const inFlight = new Map<string, { message: ResultMessage; sentMs: number }>();
  const acks = new Map<string, AckMessage['status'][]>();
  const desired: ModelDesired[] = [];
  let resent = 0;

  const put = (message: ResultMessage) => {
    inFlight.set(message.resultId, { message, sentMs: Date.now() });
    // A publish cut by a reconnect fails here; the resend timer covers it (mqtt.js "Connection closed").
    client.publish(topicFor(address, 'result'), JSON.stringify(message), { qos: 1 }, () => {});
  };
  const pump = () => {
    while (inFlight.size < window && queue.length > 0) put(queue.shift()!);
  };
  const subscribe = () =>
    client.subscribe([topicFor(address, 'ack'), topicFor(address, 'model/desired')], { qos: 1 }, () => {});
  client.on('connect', subscribe);
  subscribe();
  client.on('message', (topic, payload) => {
    if (payload.length === 0) return;
    if (topic === topicFor(address, 'model/desired')) {
      desired.push(JSON.parse(payload.toString()) as ModelDesired);
      return;
    }
    const ack = JSON.parse(payload.toString()) as AckMessage;
    acks.set(ack.resultId, [...(acks.get(ack.resultId) ?? []), ack.status]);
    if (inFlight.delete(ack.resultId)) pump();
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const entry of inFlight.values()) {
      if (now - entry.sentMs >= resendMs) {
        resent++;
        put(entry.message);
      }
    }
  }, 500);

  return {
    address,
    acks,
    desired,
    send(messages) {
      queue.push(...messages);
      pump();
    },
    unacked: () => queue.length + inFlight.size,
    resends: () => resent,
    async publish(kind, body, retain = true) {
      await client.publishAsync(topicFor(address, kind), JSON.stringify(body), { qos: 1, retain });
    },
    client,
    async close() {
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}
