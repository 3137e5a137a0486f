/**
 * The model registry over HTTP: publish a package (`POST /api/models`, raw `.tar` body, publisher token),
 * list versions with their aliases (radiologist+), and point an alias at a version (admin).
 * The publish route alone accepts bodies up to `models.maxPackageBytes`; the token is checked before the
 * body is read, so an anonymous client cannot make the hub buffer a large upload.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AuditStore } from '../accounts/audit-store.ts';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { AliasName, AliasView, ModelView, modelView, VersionParam } from './model-views.ts';
import type { ModelsStore } from './models-store.ts';
import type { PublishPackage } from './publish-package.ts';
import type { PublisherCheck } from './publisher-auth.ts';

export interface ModelsRoutesOptions {
  models: ModelsStore;
  audit: AuditStore;
  publish: PublishPackage;
  checkPublisher: PublisherCheck;
  maxPackageBytes: number;
  now: () => Date;
}

const TAR_TYPES = ['application/x-tar', 'application/octet-stream'];
const PublishView = Type.Object({ created: Type.Boolean(), model: ModelView });

export async function modelsRoutes(app: HubApp, options: ModelsRoutesOptions) {
  const { models, audit, now } = options;
  const publishers = new WeakMap<FastifyRequest, string>();

  app.addContentTypeParser(
    TAR_TYPES,
    { parseAs: 'buffer', bodyLimit: options.maxPackageBytes },
    (_request, body, done) => done(null, body),
  );

  /** Points `alias` at a registered version; audited with the version before and after. */
  async function setAlias(alias: string, version: string, actor: string) {
    if (!(await models.get(version)))
      throw httpError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
    const before = await models.alias(alias);
    const entry = { alias, version, updatedBy: actor, updatedAt: now().toISOString() };
    await models.setAlias(entry);
    await audit.append(
      {
        actor,
        action: 'model.alias',
        target: alias,
        before: before ? { version: before.version } : null,
        after: { version },
      },
      now(),
    );
    return entry;
  }

  app.post(
    '/api/models',
    {
      bodyLimit: options.maxPackageBytes,
      onRequest: async (request) => {
        const publisher = options.checkPublisher(request);
        if (!publisher)
          throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'a publisher token is needed (authorization: Bearer <token>)');
        publishers.set(request, publisher);
      },
      schema: {
        tags: ['models'],
        summary:
          'Publish a signed model package (.tar body); 201 when new, 200 when these bytes are already registered',
        consumes: TAR_TYPES,
        security: [{ publisherToken: [] }],
        querystring: Type.Object({ alias: Type.Optional(AliasName) }),
        body: Type.Unsafe<Buffer>({ description: 'the package .tar (manifest.json, model.onnx, signature)' }),
        response: {
          200: PublishView,
          201: PublishView,
          400: ErrorBody,
          401: ErrorBody,
          409: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const publisher = publishers.get(request)!;
      if (!Buffer.isBuffer(request.body)) {
        throw httpError('CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE', 'send the package .tar as application/x-tar');
      }
      const outcome = await options.publish(request.body, publisher);
      if (request.query.alias) await setAlias(request.query.alias, outcome.model.version, publisher);
      request.log.info({ version: outcome.model.version, publisher, created: outcome.created }, 'model published');
      return reply
        .status(outcome.created ? 201 : 200)
        .send({ created: outcome.created, model: modelView(outcome.model, await models.aliases()) });
    },
  );

  app.get(
    '/api/models',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['models'],
        summary: 'The registry: every published version, newest first, and the aliases',
        response: {
          200: Type.Object({ models: Type.Array(ModelView), aliases: Type.Array(AliasView) }),
          401: ErrorBody,
        },
      },
    },
    async () => {
      const aliases = await models.aliases();
      return { models: (await models.list()).map((m) => modelView(m, aliases)), aliases };
    },
  );

  app.put(
    '/api/models/aliases/:alias',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['models'],
        summary: 'Point an alias (candidate, production, ...) at a registered version',
        params: Type.Object({ alias: AliasName }),
        body: Type.Object({ version: VersionParam }, { additionalProperties: false }),
        response: { 200: AliasView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => setAlias(request.params.alias, request.body.version, sessionOf(request).user.username),
  );
}
