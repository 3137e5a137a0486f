/**
 * Builds the Fastify app (not listening): cookies, OpenAPI (served at /api/openapi.json), one error
 * shape, the session loader, one encapsulated plugin per feature, and the dashboard's static files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { HubEvents } from '../events/hub-events.ts';
import type { IngestCounters } from '../ingest/counters.ts';
import type { CapabilityTokens } from '../registry/capability-token.ts';
import type { PackageStore } from '../registry/package-store.ts';
import type { PublishPackage } from '../registry/publish-package.ts';
import type { AgentsStore } from '../store/agents-store.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { ModelsStore } from '../store/models-store.ts';
import type { ResultsStore } from '../store/results-store.ts';
import type { ReviewsStore } from '../store/reviews-store.ts';
import type { StatsStore } from '../store/stats-store.ts';
import type { UsersStore } from '../store/users-store.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { installSessionLoader } from './auth/guards.ts';
import { sessionRoutes } from './auth/session-routes.ts';
import { errorHandler } from './errors.ts';
import { eventsRoutes } from './events/events-routes.ts';
import { fleetRoutes } from './fleet/fleet-routes.ts';
import { ingestRoutes } from './ingest/ingest-routes.ts';
import { downloadRoute } from './models/download-route.ts';
import { modelsRoutes } from './models/models-routes.ts';
import type { PublisherCheck } from './models/publisher-auth.ts';
import { type RolloutRoutesOptions, rolloutRoutes } from './rollouts/rollout-routes.ts';
import { statsRoutes } from './stats/stats-routes.ts';
import { studyRoutes } from './studies/study-routes.ts';
import type { HubApp, TypeBoxProvider } from './type-provider.ts';
import { worklistRoutes } from './worklist/worklist-routes.ts';

export interface ApiDeps {
  results: ResultsStore;
  reviews: ReviewsStore;
  audit: AuditStore;
  agents: AgentsStore;
  users: UsersStore;
  stats: StatsStore;
  blobs: BlobStore;
  events: HubEvents;
  counters: IngestCounters;
  brokerRefused: () => { connect: number; publish: number; subscribe: number } | null;
  now: () => Date;
  log: Logger;
  sessionTtlMs: number;
  tls?: { certFile: string; keyFile: string };
  registry: {
    models: ModelsStore;
    packages: PackageStore;
    capability: CapabilityTokens;
    publish: PublishPackage;
    checkPublisher: PublisherCheck;
    maxPackageBytes: number;
  };
  rollout: Omit<RolloutRoutesOptions, 'agents'>;
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export async function buildApi(deps: ApiDeps): Promise<HubApp> {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    bodyLimit: 64 * 1024,
    ...(deps.tls ? { https: { cert: readFileSync(deps.tls.certFile), key: readFileSync(deps.tls.keyFile) } } : {}),
  }).withTypeProvider<TypeBoxProvider>() as unknown as HubApp;

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'cxr-edge hub API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'cxr_session' },
          publisherToken: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }],
    },
  });
  app.setErrorHandler(errorHandler);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CSP);
  });
  installSessionLoader(app, deps.users, () => deps.now().getTime());

  const now = deps.now;
  await app.register(sessionRoutes, {
    users: deps.users,
    audit: deps.audit,
    now,
    ttlMs: deps.sessionTtlMs,
    secureCookies: deps.tls !== undefined,
  });
  await app.register(worklistRoutes, { results: deps.results });
  await app.register(studyRoutes, {
    results: deps.results,
    reviews: deps.reviews,
    audit: deps.audit,
    blobs: deps.blobs,
    events: deps.events,
    now,
  });
  await app.register(fleetRoutes, { agents: deps.agents });
  await app.register(statsRoutes, { stats: deps.stats, reviews: deps.reviews, now });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(ingestRoutes, { counters: deps.counters, brokerRefused: deps.brokerRefused });
  await app.register(modelsRoutes, { ...deps.registry, audit: deps.audit, now });
  await app.register(downloadRoute, deps.registry);
  await app.register(rolloutRoutes, { ...deps.rollout, agents: deps.agents });
  await app.register(eventsRoutes, { events: deps.events });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'] });
  return app;
}
