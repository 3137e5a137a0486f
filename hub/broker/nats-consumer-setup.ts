/**
 * Makes sure the shared results consumer exists on `$MQTT_msgs` with the settings the hub needs: durable,
 * filtered to result subjects, explicit acks, every message from the start, unlimited redelivery, the
 * configured ack wait and outstanding-ack limit. In: a JetStream manager, the consumer's name and limits.
 * Out: the consumer exists (created, or its ack wait / limit updated) and, on a cluster, has a leader. The stream itself is the MQTT
 * gateway's, made when the first MQTT client of the account connects: until it exists this waits (up to
 * `waitMs`). A consumer of that name with another filter or ack policy is refused (CXR_ERR_HUB_NATS): it was
 * made for something else and the hub must not take it over. A cluster not answering yet (timeouts, no responders,
 * 503 while it elects leaders) is waited for within the same limit.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { NoRespondersError, nanos, TimeoutError } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { MQTT_MESSAGES_STREAM, RESULTS_FILTER } from './nats-subjects.ts';

export interface ConsumerSetup {
  jsm: JetStreamManager;
  name: string;
  ackWaitMs: number;
  maxAckPending: number;
  log: Logger;
  waitMs?: number;
}

export function resultsConsumerConfig(setup: Pick<ConsumerSetup, 'name' | 'ackWaitMs' | 'maxAckPending'>) {
  return {
    durable_name: setup.name,
    filter_subject: RESULTS_FILTER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(setup.ackWaitMs),
    max_ack_pending: setup.maxAckPending,
    max_deliver: -1,
  } satisfies Partial<ConsumerConfig>;
}

/**
 * A consumer just made on a cluster has no leader for a moment: a pull sent then is lost without an answer, and the
 * client only pulls again after two missed heartbeats (5 s); a replica that started then took no results while the
 * other took them all (the scale-out test). So the setup waits until the consumer has a leader.
 */
class NoLeaderYet extends Error {}

const isApiError = (error: unknown, code: number) => error instanceof JetStreamApiError && error.code === code;

/**
 * A cluster still electing its JetStream leaders answers an API request late, with no responder, or with 503
 * ("JetStream system temporarily unavailable"): a replica started then waits for it instead of exiting.
 */
const isTransient = (error: unknown) =>
  error instanceof TimeoutError ||
  error instanceof NoRespondersError ||
  (error instanceof JetStreamApiError && error.status === 503);

export async function ensureResultsConsumer(setup: ConsumerSetup): Promise<void> {
  const { jsm, name, log } = setup;
  const wanted = resultsConsumerConfig(setup);
  const deadline = Date.now() + (setup.waitMs ?? 30_000);
  for (;;) {
    try {
      const info = await jsm.consumers.info(MQTT_MESSAGES_STREAM, name);
      if (info.config.filter_subject !== wanted.filter_subject || info.config.ack_policy !== wanted.ack_policy) {
        throw new CxrError(
          'CXR_ERR_HUB_NATS',
          `consumer ${name} on ${MQTT_MESSAGES_STREAM} exists with another filter or ack policy; choose another nats.consumer`,
          { kind: 'internal' },
        );
      }
      if (info.config.ack_wait !== wanted.ack_wait || info.config.max_ack_pending !== wanted.max_ack_pending) {
        await jsm.consumers.update(MQTT_MESSAGES_STREAM, name, {
          ack_wait: wanted.ack_wait,
          max_ack_pending: wanted.max_ack_pending,
        });
        log.info({ consumer: name }, 'results consumer limits updated');
      }
      if (info.cluster && !info.cluster.leader) throw new NoLeaderYet();
      return;
    } catch (error) {
      if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) {
        await jsm.consumers.add(MQTT_MESSAGES_STREAM, wanted);
        log.info({ consumer: name, filter: wanted.filter_subject }, 'results consumer created');
        continue; // and wait for its leader
      }
      const waiting =
        error instanceof NoLeaderYet || isApiError(error, JetStreamApiCodes.StreamNotFound) || isTransient(error);
      if (!waiting || Date.now() > deadline) {
        if (error instanceof CxrError) throw error;
        throw new CxrError('CXR_ERR_HUB_NATS', `cannot set up the results consumer: ${(error as Error).message}`, {
          kind: 'internal',
          cause: error,
        });
      }
      // The gateway makes its streams when an MQTT client connects (the hub's own client is about to).
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
