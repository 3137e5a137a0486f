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
import { countRejected, type IngestCounters } from '../results/ingest-counters.ts';
import type { RolloutAgentsStore } from '../rollouts/rollout-agents-store.ts';
import type { AgentsStore } from './agents-store.ts';

export interface ModelStateHandlerDeps {
  agents: AgentsStore;
  rolloutAgents: Pick<RolloutAgentsStore, 'recordReport'>;
  counters: IngestCounters;
  events: HubEvents;
  now: () => Date;
  log: Logger;
}

export function createModelStateHandler(deps: ModelStateHandlerDeps) {
  return async (address: AgentAddress, payload: Buffer): Promise<void> => {
    deps.counters.received.modelState++;
    if (payload.length === 0) return;
    try {
      const state = decoders.modelState.decode(payload);
      const now = deps.now();
      await deps.agents.recordModelState(address.site, address.agent, state, now);
      const rolloutId = await deps.rolloutAgents.recordReport(address, state, now.toISOString());
      deps.events.emit('fleet', address);
      if (rolloutId) deps.events.emit('rollout', { id: rolloutId });
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
      countRejected(deps.counters, error.code);
      deps.log.warn({ ...address, code: error.code, err: error.message }, 'model state rejected');
    }
  };
}
