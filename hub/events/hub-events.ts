/**
 * In-process event bus for live updates (server-sent events): a stored result, a signed read, a claim, a fleet
 * change, a rollout change (status, waves, an agent's state). Listeners must be quick; the SSE plugin
 * only serialises and writes.
 */
import { EventEmitter } from 'node:events';
import type { StudySummary } from '../results/result-row.ts';
import type { Claim } from '../reviews/claims-store.ts';

export interface HubEventMap {
  result: [StudySummary];
  read: [{ resultId: string; version: number; reader: string }];
  claim: [{ resultId: string; claim: Claim | null }];
  fleet: [{ site: string; agent: string }];
  rollout: [{ id: string }];
  /** A training job changed (hub/training/): read it again with GET /api/training/jobs/:id. */
  training: [{ id: string }];
  /** A live shadow changed (hub/shadows/): read it again with GET /api/shadows/:id. */
  shadow: [{ id: string }];
}

export type HubEvents = EventEmitter<HubEventMap>;

export function createHubEvents(): HubEvents {
  const events = new EventEmitter<HubEventMap>();
  events.setMaxListeners(1000);
  return events;
}
