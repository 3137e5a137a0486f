/**
 * The reviews feature: a radiologist's per-class confirm/override with a report, its labels, and
 * radiologist-vs-AI agreement per class (for the stats page). In: the database, the event bus and the
 * clock. Out: the reviews store and the review route.
 */
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { reviewRoutes } from './review-routes.ts';
import { createReviewsStore } from './reviews-store.ts';

export function createReviews(deps: { db: HubDb; events: HubEvents; now: () => Date }) {
  const reviews = createReviewsStore(deps.db);
  const routes: HubRoutes = async (app) => {
    await app.register(reviewRoutes, { reviews, events: deps.events, now: deps.now });
  };
  return { reviews, routes };
}

export type Reviews = ReturnType<typeof createReviews>;
