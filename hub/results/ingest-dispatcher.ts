/**
 * One switch from topic kind to handler (like aedes lib/handlers/index.js). Topics the hub does not
 * ingest (its own `ack`, `model/desired`) and malformed topics are counted and ignored. Results go to
 * the result handler, which batches them; status and model-state messages are applied one after another
 * in arrival order (an agent's offline status must not overtake its last online one).
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { parseTopic } from '../../protocol/topics.ts';
import { countRejected, type IngestCounters } from './ingest-counters.ts';

export type MessageHandler = (address: AgentAddress, payload: Buffer) => void;
/** Resolves when the message is applied; it never rejects (bad input is counted and logged inside). */
export type AsyncMessageHandler = (address: AgentAddress, payload: Buffer) => Promise<void>;

export interface IngestHandlers {
  result: MessageHandler;
  status: AsyncMessageHandler;
  modelState: AsyncMessageHandler;
  /** `report/ack` from an agent (hub/reports/). */
  reportAck?: AsyncMessageHandler;
}

export interface Dispatcher {
  dispatch(topic: string, payload: Buffer): void;
  /** Resolves when every status and model-state message received so far is applied. */
  drain(): Promise<void>;
}

export function createDispatcher(handlers: IngestHandlers, counters: IngestCounters, log: Logger): Dispatcher {
  let applied: Promise<void> = Promise.resolve();
  const inOrder = (handle: AsyncMessageHandler, address: AgentAddress, payload: Buffer) => {
    applied = applied
      .then(() => handle(address, payload))
      .catch((thrown) => {
        const error = asCxrError(thrown);
        log.error({ ...address, code: error.code, err: error.message }, 'message handler failed');
      });
  };
  return {
    dispatch(topic, payload) {
      const parsed = parseTopic(topic);
      if (parsed === undefined) {
        countRejected(counters, 'CXR_ERR_HUB_TOPIC_UNKNOWN');
        log.warn({ topic }, 'message on an unknown topic ignored');
        return;
      }
      const address = { site: parsed.site, agent: parsed.agent };
      switch (parsed.kind) {
        case 'result':
          handlers.result(address, payload);
          return;
        case 'status':
          inOrder(handlers.status, address, payload);
          return;
        case 'model/state':
          inOrder(handlers.modelState, address, payload);
          return;
        case 'report/ack':
          if (handlers.reportAck) inOrder(handlers.reportAck, address, payload);
          return;
        case 'ack':
        case 'model/desired':
        case 'report':
          return; // the hub's own messages, echoed back by a wildcard subscription
      }
    },
    async drain() {
      let last: Promise<void> | undefined;
      while (last !== applied) {
        last = applied;
        await last;
      }
    },
  };
}
