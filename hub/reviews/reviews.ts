/**
 * The reviews feature: reads (versioned reports with an explicit decision per finding, addenda), claims (who is
 * reading what) and radiologist-vs-AI agreement per finding. In: the database, the event bus, the clock, the claim
 * lifetime, and what to do with a signed read (queue the clinic report in the same transaction, then send it).
 * Out: the stores and the routes.
 */
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createClaimsStore } from './claims-store.ts';
import { type ReadRoutesOptions, readRoutes } from './read-routes.ts';
import { createReadsStore } from './reads-store.ts';

export interface ReviewsDeps {
  db: HubDb;
  events: HubEvents;
  now: () => Date;
  claimTimeoutS: number;
  signed?: Pick<ReadRoutesOptions, 'inSigning' | 'afterSigning'>;
}

export function createReviews(deps: ReviewsDeps) {
  const reads = createReadsStore(deps.db);
  const claims = createClaimsStore(deps.db, deps.claimTimeoutS * 1000);
  const routes: HubRoutes = async (app) => {
    await app.register(readRoutes, { reads, claims, events: deps.events, now: deps.now, ...deps.signed });
  };
  return { reads, claims, routes };
}

export type Reviews = ReturnType<typeof createReviews>;
