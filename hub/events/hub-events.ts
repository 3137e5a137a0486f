/**
 * In-process event bus for live updates (server-sent events): a stored result, a review, a fleet
 * change, a rollout change (status, waves, an agent's state). Listeners must be quick; the SSE plugin
 * only serialises and writes.
 */
import { EventEmitter } from 'node:events';
import type { StudySummary } from '../results/result-row.ts';

export interface HubEventMap {
  result: [StudySummary];
  review: [{ resultId: string; reviewer: string }];
  fleet: [{ site: string; agent: string }];
  rollout: [{ id: string }];
}

export type HubEvents = EventEmitter<HubEventMap>;

export function createHubEvents(): HubEvents {
  const events = new EventEmitter<HubEventMap>();
  events.setMaxListeners(1000);
  return events;
}
