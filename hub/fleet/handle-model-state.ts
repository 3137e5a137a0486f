/**
 * In: an agent's `model/state` report (downloading, verifying, self-test, shadow, active, failed...).
 * Out: the fleet row's model state and the agent's row in the rollout the report belongs to updated, a
 * `fleet` event (the rollout runner re-evaluates on it) and a `rollout` event. Bad input is counted and dropped.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import type { RolloutAgentsStore } from '../store/rollout-agents-store.ts';
import { countRejected, type IngestCounters } from './counters.ts';

export interface ModelStateHandlerDeps {
  agents: AgentsStore;
  rolloutAgents: Pick<RolloutAgentsStore, 'recordReport'>;
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
      const now = deps.now();
      deps.agents.recordModelState(address.site, address.agent, state, now);
      const rolloutId = deps.rolloutAgents.recordReport(address, state, now.toISOString());
      deps.events.emit('fleet', address);
      if (rolloutId) deps.events.emit('rollout', { id: rolloutId });
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
      countRejected(deps.counters, error.code);
      deps.log.warn({ ...address, code: error.code, err: error.message }, 'model state rejected');
    }
  };
}
