/**
 * One switch from topic kind to handler (like aedes lib/handlers/index.js). Topics the hub does not
 * ingest (its own `ack`, `model/desired`) and malformed topics are counted and ignored.
 */
import type { Logger } from 'pino';
import type { AgentAddress } from '../../protocol/topics.ts';
import { parseTopic } from '../../protocol/topics.ts';
import { countRejected, type IngestCounters } from './counters.ts';

export type MessageHandler = (address: AgentAddress, payload: Buffer) => void;

export interface IngestHandlers {
  result: MessageHandler;
  status: MessageHandler;
  modelState: MessageHandler;
}

export function createDispatcher(handlers: IngestHandlers, counters: IngestCounters, log: Logger) {
  return (topic: string, payload: Buffer): void => {
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
        handlers.status(address, payload);
        return;
      case 'model/state':
        handlers.modelState(address, payload);
        return;
      case 'ack':
      case 'model/desired':
        return; // the hub's own messages, echoed back by a wildcard subscription
    }
  };
}
