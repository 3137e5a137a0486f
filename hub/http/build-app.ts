/**
 * Builds the Fastify app (not listening): cookies, OpenAPI (served at /api/openapi.json), one error
 * shape for every error (errors.ts; Fastify's own 404 and bad-URL answers: framework-errors.ts), security headers, the session loader, each feature's routes as an
 * encapsulated plugin, and the dashboard's static files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { errorHandler } from './errors.ts';
import { frameworkError, notFound } from './framework-errors.ts';
import type { HubRoutes } from './plugin.ts';
import type { HubApp, TypeBoxProvider } from './type-provider.ts';

export interface HttpAppDeps {
  log: Logger;
  tls?: { certFile: string; keyFile: string };
  /** Behind a load balancer: whose X-Forwarded-For to believe for `request.ip` (config `http.trustProxy`). */
  trustProxy?: boolean | readonly string[];
  /** Root hooks every route runs after (the session loader). */
  hooks: ((app: HubApp) => void)[];
  /** Each feature's routes, registered in this order. */
  features: HubRoutes[];
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export async function buildHttpApp(deps: HttpAppDeps): Promise<HubApp> {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    bodyLimit: 64 * 1024,
    frameworkErrors: frameworkError,
    trustProxy: typeof deps.trustProxy === 'object' ? [...deps.trustProxy] : (deps.trustProxy ?? false),
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
  app.setNotFoundHandler(notFound);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CSP);
  });
  for (const hook of deps.hooks) hook(app);
  for (const routes of deps.features) await app.register(routes);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The dashboard: its page, styles and the esbuild bundle (scripts/build-web.mjs); never its sources.
  if (!existsSync(`${WEB_ROOT}dist/app.js`)) {
    deps.log.error('the dashboard is not built (hub/web/dist/app.js is missing): run `npm run build:web`');
  }
  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    prefix: '/',
    index: ['index.html'],
    allowedPath: (path) => path === '/' || path === '/index.html' || path === '/app.css' || path.startsWith('/dist/'),
  });
  return app;
}
