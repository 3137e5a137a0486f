/**
 * In: an agent's `model/state` report (downloading, verifying, self-test, shadow, active, failed...).
 * Out: the fleet row's model state updated and a `fleet` event. Bad input is counted and dropped.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import { countRejected, type IngestCounters } from './counters.ts';

export interface ModelStateHandlerDeps {
  agents: AgentsStore;
  counters: IngestCounters;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createModelStateHandler(deps: ModelStateHandlerDeps) {
  return (address: AgentAddress, payload: Buffer): void => {
    deps.counters.received.modelState++;
    if (payload.length === 0) return;
    try {
      const state = decoders.modelState.decode(payload);
      deps.agents.recordModelState(address.site, address.agent, state, deps.now());
      deps.events.emit('fleet', address);
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
      countRejected(deps.counters, error.code);
      deps.log.warn({ ...address, code: error.code, err: error.message }, 'model state rejected');
    }
  };
}
