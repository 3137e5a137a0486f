/**
 * The results feature: ingest of agents' results (validated, triaged, stored idempotently with their preview
 * blob, acked after commit), the worklist in triage order, one study's detail and preview, the statistics, and
 * the ingest counters. In: the database, where blobs live, the ack sink, the event bus, the clock, the reads and
 * the audit log of a study, and the broker's refusal counts. Out: the results store, the result handler
 * (ingest's entry), the counters, the routes, and `start()` (fills in the triage of results stored before it).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { HubRoutes } from '../http/plugin.ts';
import type { ReadsStore } from '../reviews/reads-store.ts';
import { backfillTriage } from './backfill-triage.ts';
import { createBlobStore } from './blob-store.ts';
import { createResultHandler, type PublishAck } from './handle-result.ts';
import { createIngestCounters } from './ingest-counters.ts';
import { type IngestRoutesOptions, ingestRoutes } from './ingest-routes.ts';
import { createResultsStore } from './results-store.ts';
import { statsRoutes } from './stats-routes.ts';
import { createStatsStore } from './stats-store.ts';
import { studyRoutes } from './study-routes.ts';
import { worklistRoutes } from './worklist-routes.ts';

export interface ResultsDeps {
  db: HubDb;
  dataDir: string;
  events: HubEvents;
  publishAck: PublishAck;
  reads: Pick<ReadsStore, 'list' | 'agreement'>;
  audit: Pick<AuditStore, 'list'>;
  brokerRefused: IngestRoutesOptions['brokerRefused'];
  now: () => Date;
  log: Logger;
}

export function createResults(deps: ResultsDeps) {
  const { db, events, reads, now } = deps;
  const results = createResultsStore(db);
  const blobs = createBlobStore(join(deps.dataDir, 'blobs'));
  const counters = createIngestCounters();
  const handler = createResultHandler({
    results,
    blobs,
    publishAck: deps.publishAck,
    counters,
    events,
    now,
    log: deps.log,
  });
  const routes: HubRoutes = async (app) => {
    await app.register(worklistRoutes, { results, now });
    await app.register(studyRoutes, { results, reads, audit: deps.audit, blobs, now });
    await app.register(statsRoutes, { stats: createStatsStore(db), reads, now });
    await app.register(ingestRoutes, { counters, brokerRefused: deps.brokerRefused });
  };
  return { results, handler, counters, routes, start: () => backfillTriage(db, deps.log) };
}

export type Results = ReturnType<typeof createResults>;
