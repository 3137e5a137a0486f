/**
 * Hub replicas' share of the agents' results on a NATS cluster (docs/scale-out.md). Every replica reads ONE
 * durable JetStream pull consumer on the MQTT gateway's stream `$MQTT_msgs`, filtered to result subjects, so
 * each stored result goes to one replica at a time. In: the cluster's client URLs and the hub's login, the
 * consumer's name and limits, `dispatch` (ingest) and its queue length (backpressure). Out: `settled`, which
 * the hub calls when it acks a result to its agent (committed, duplicate or rejected): only then is the
 * stream message acked. A delivery never settled (the replica died, the database failed) goes to a replica
 * again after `ackWaitMs`; ingest is idempotent on the result id, so a second delivery is acked `duplicate`.
 * A message with no readable result id is acked once dispatched (ingest counts and drops it; the agent's
 * outbox re-sends whatever the hub never acked).
 * The consumer is created at the first start and never deleted: the stream keeps a message only while a
 * consumer is interested (interest retention), so it must exist before agents publish.
 */
import { type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { type AgentAddress, parseTopic } from '../../protocol/topics.ts';
import { ensureResultsConsumer } from './nats-consumer-setup.ts';
import { MQTT_MESSAGES_STREAM, topicOfStored } from './nats-subjects.ts';

export interface NatsResultsOptions {
  servers: readonly string[];
  user: string;
  pass: string;
  caFile?: string;
  consumer: string;
  ackWaitMs: number;
  maxAckPending: number;
  dispatch(topic: string, payload: Buffer): void;
  /** Results received and not yet committed: pulling pauses while it is at `highWater`. */
  pending(): number;
  /** Resolves when everything dispatched so far is committed and acked (close waits for it). */
  drain(): Promise<void>;
  highWater?: number;
  log: Logger;
}

export interface NatsResults {
  /** The hub acked this result to its agent: ack its deliveries on the stream. */
  settled(address: AgentAddress, resultId: string): void;
  /** Deliveries waiting for their commit. */
  unsettled(): number;
  /** Stops pulling, waits for what was dispatched, and hands back what is still not settled (another replica gets it). */
  close(): Promise<void>;
}

const RESULT_ID = /^"resultId"\s*:\s*"([0-9a-f]{64})"/;

/** The result id in a result payload, without parsing its (large) JSON. */
export function resultIdOf(payload: Buffer): string | undefined {
  const at = payload.indexOf('"resultId"');
  return at < 0 ? undefined : RESULT_ID.exec(payload.toString('latin1', at, at + 120))?.[1];
}

/** Messages one pull asks for (see `consume` below). */
const PULL_BATCH = 16;

const keyOf = (address: AgentAddress, resultId: string) => `${address.site}/${address.agent}/${resultId}`;

export async function startNatsResults(options: NatsResultsOptions): Promise<NatsResults> {
  const { log } = options;
  const highWater = options.highWater ?? 2000;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...options.servers],
      user: options.user,
      pass: options.pass,
      name: 'cxr-hub',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      ...(options.caFile ? { tls: { caFile: options.caFile } } : {}),
    });
  } catch (cause) {
    throw new CxrError('CXR_ERR_HUB_NATS', `cannot connect to NATS: ${(cause as Error).message}`, {
      kind: 'internal',
      cause,
    });
  }
  const setup = {
    // No account check here: a cluster still electing leaders fails it; the consumer setup below waits for it.
    jsm: await jetstreamManager(nc, { checkAPI: false }),
    name: options.consumer,
    ackWaitMs: options.ackWaitMs,
    maxAckPending: options.maxAckPending,
    log,
  };
  try {
    await ensureResultsConsumer(setup);
  } catch (error) {
    await nc.close();
    throw error;
  }
  const consumer = await jetstream(nc).consumers.get(MQTT_MESSAGES_STREAM, options.consumer);
  // expires 5 s: a pull lost with a node or a consumer leader is noticed within two missed heartbeats (5 s).
  // 16 at a time: with 256 per pull, nats-server 2.9.10 gave one replica 920 of 1,000 results and the other 80 (it
  // fills one replica's waiting pull before the next one's); with 16 they split 506/494 (bench/scale-out.ts,
  // docs/scale-out.md). The client asks for more each time a quarter of a pull has arrived.
  const messages = await consumer.consume({ max_messages: PULL_BATCH, expires: 5_000 });
  const waiting = new Map<string, JsMsg[]>();
  let closing = false;

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') log.warn({ server: status.server }, 'NATS connection lost; reconnecting');
      else if (status.type === 'reconnect') log.info({ server: status.server }, 'NATS connection restored');
    }
  })();
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
        // Someone deleted it: make it again (results published meanwhile were dropped by the stream and are
        // re-sent from the agents' outboxes, which keep every result until the hub acks it).
        log.error({ code: 'CXR_ERR_HUB_NATS', consumer: options.consumer }, 'results consumer missing; creating it');
        await ensureResultsConsumer(setup).catch((error: Error) =>
          log.error({ code: 'CXR_ERR_HUB_NATS', err: error.message }, 'cannot create the results consumer'),
        );
      } else if (status.type === 'heartbeats_missed') {
        log.debug({ count: status.count }, 'results consumer: heartbeats missed; pulling again');
      }
    }
  })();

  const receive = (msg: JsMsg) => {
    const topic = topicOfStored(msg.subject);
    const parsed = topic === undefined ? undefined : parseTopic(topic);
    const payload = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    const resultId = parsed ? resultIdOf(payload) : undefined;
    if (parsed && resultId) {
      const key = keyOf(parsed, resultId);
      waiting.set(key, [...(waiting.get(key) ?? []), msg]);
    }
    options.dispatch(topic ?? msg.subject, payload);
    if (!parsed || !resultId) msg.ack();
  };

  const loop = (async () => {
    for await (const msg of messages) {
      receive(msg);
      while (!closing && options.pending() >= highWater) await new Promise((r) => setTimeout(r, 5));
    }
  })();
  log.info({ servers: options.servers, consumer: options.consumer }, 'reading results from NATS JetStream');

  return {
    settled(address, resultId) {
      const key = keyOf(address, resultId);
      for (const msg of waiting.get(key) ?? []) msg.ack();
      waiting.delete(key);
    },
    unsettled: () => [...waiting.values()].reduce((n, list) => n + list.length, 0),
    async close() {
      closing = true;
      await messages.close();
      await loop;
      await options.drain();
      for (const list of waiting.values()) for (const msg of list) msg.nak();
      waiting.clear();
      await nc.drain();
    },
  };
}
