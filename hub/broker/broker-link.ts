/**
 * The hub's link to its broker, by kind. Embedded or external (one hub): one MQTT client on a persistent
 * session subscribed to every agent's result, status, model state and report ack (hub/mqtt/hub-client.ts).
 * NATS cluster (hub replicas, docs/scale-out.md): results come from the shared JetStream consumer
 * (nats-results.ts) and are acked on the stream when the hub acks them to the agent; the MQTT client only
 * publishes (acks, model/desired, reports), on a clean session under a per-process id, and the replica that
 * runs the background jobs subscribes to status, model state and report acks (`jobKinds`): one subscriber
 * applies them in arrival order. No hub subscribes to results over MQTT there (on nats-server 2.9.10 an MQTT
 * subscriber on the results topic made the JetStream consumer lose messages: docs/scale-out.md).
 * In: the config's `mqtt` and `nats` slices, the hub's ingest entry points, the embedded broker if any.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AckMessage } from '../../protocol/messages.ts';
import type { AgentAddress, TopicKind } from '../../protocol/topics.ts';
import type { HubConfig } from '../config.ts';
import type { EmbeddedBroker } from '../mqtt/embedded-broker.ts';
import { connectHubClient, type HubClient } from '../mqtt/hub-client.ts';
import { type NatsResults, startNatsResults } from './nats-results.ts';

export interface BrokerLink {
  client: HubClient;
  publishAck(address: AgentAddress, ack: AckMessage): void;
  /** What the replica running the background jobs subscribes to (none when every kind is subscribed at connect). */
  jobKinds: readonly TopicKind[];
  /** Stops taking results, waits for what was taken, then closes the MQTT client. */
  close(): Promise<void>;
}

export interface BrokerLinkDeps {
  mqtt: HubConfig['mqtt'];
  nats: HubConfig['nats'];
  embedded?: EmbeddedBroker;
  dispatch(topic: string, payload: Buffer): void;
  pending(): number;
  drain(): Promise<void>;
  onReconnect(): void;
  log: Logger;
}

const JOB_KINDS: readonly TopicKind[] = ['status', 'model/state', 'report/ack'];

export async function connectBrokerLink(deps: BrokerLinkDeps): Promise<BrokerLink> {
  const { mqtt, embedded, log } = deps;
  const nats = mqtt.broker === 'nats';
  const login = embedded ? embedded.hubLogin : { username: mqtt.username ?? '', password: mqtt.password ?? '' };
  const client = await connectHubClient({
    url: embedded ? embedded.url : mqtt.url!,
    ...login,
    // Replicas must not share an id (the broker would drop one for the other); nothing waits in a clean session.
    clientId: nats ? `${mqtt.clientId}-${randomBytes(4).toString('hex')}` : mqtt.clientId,
    ...(nats ? { clean: true, kinds: [], failoverUrls: mqtt.failoverUrls } : {}),
    ...(mqtt.caFile ? { caFile: mqtt.caFile } : {}),
    ...(embedded?.certificatePem ? { pinnedCertificatePem: embedded.certificatePem } : {}),
    onMessage: deps.dispatch,
    onReconnect: deps.onReconnect,
    pending: deps.pending,
    log: log.child({ component: 'mqtt' }),
  });
  if (!nats) {
    return {
      client,
      publishAck: client.publishAck,
      jobKinds: [],
      close: async () => {
        await deps.drain();
        await client.close();
      },
    };
  }
  let results: NatsResults;
  try {
    results = await startNatsResults({
      servers: deps.nats.servers,
      user: mqtt.username ?? '',
      pass: mqtt.password ?? '',
      ...((deps.nats.caFile ?? mqtt.caFile) ? { caFile: deps.nats.caFile ?? mqtt.caFile } : {}),
      consumer: deps.nats.consumer,
      ackWaitMs: deps.nats.ackWaitS * 1000,
      maxAckPending: deps.nats.maxAckPending,
      dispatch: deps.dispatch,
      pending: deps.pending,
      drain: deps.drain,
      log: log.child({ component: 'nats' }),
    });
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    client,
    publishAck(address, ack) {
      client.publishAck(address, ack);
      results.settled(address, ack.resultId);
    },
    jobKinds: JOB_KINDS,
    async close() {
      await results.close();
      await client.close();
    },
  };
}
