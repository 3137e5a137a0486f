/**
 * In: an agent's retained `status` (also its last-will, online=false). Out: the fleet row updated and a
 * `fleet` event. Bad input is counted and dropped (status is not acked; the next one replaces it).
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { checkAddress } from '../results/check-address.ts';
import { countRejected, type IngestCounters } from '../results/ingest-counters.ts';
import type { AgentsStore } from './agents-store.ts';

export interface StatusHandlerDeps {
  agents: AgentsStore;
  counters: IngestCounters;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createStatusHandler(deps: StatusHandlerDeps) {
  return async (address: AgentAddress, payload: Buffer): Promise<void> => {
    deps.counters.received.status++;
    if (payload.length === 0) return; // a cleared retained status
    try {
      const status = decoders.status.decode(payload);
      checkAddress(address, status);
      await deps.agents.recordStatus(status, deps.now());
      deps.events.emit('fleet', address);
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
      countRejected(deps.counters, error.code);
      deps.log.warn({ ...address, code: error.code, err: error.message }, 'status rejected');
    }
  };
}
