/**
 * GET /api/models/:version/package.tar — a registered package, with HTTP Range (206, 416), `accept-ranges`
 * and `etag` (the package sha256), so an agent can resume a download. Allowed with a dashboard session, a
 * publisher token, or the agent's capability token (`?agent=<site>/<agent>&token=<hex>`, from its
 * `model/desired` message). HEAD answers the same headers without the body.
 */
import { createReadStream } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { CxrError } from '../../models/errors.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { agentFromUsername } from '../mqtt/acl.ts';
import { decideRange } from './byte-range.ts';
import type { CapabilityTokens } from './capability-token.ts';
import { VersionParam } from './model-views.ts';
import type { ModelsStore } from './models-store.ts';
import type { PackageStore } from './package-store.ts';
import { bearerToken, type PublisherCheck } from './publisher-auth.ts';

export interface DownloadRouteOptions {
  models: ModelsStore;
  packages: PackageStore;
  capability: CapabilityTokens;
  checkPublisher: PublisherCheck;
}

const Query = Type.Object({
  agent: Type.Optional(Type.String({ maxLength: 129, description: '<site>/<agent> of a capability URL' })),
  token: Type.Optional(Type.String({ maxLength: 128, description: 'capability token (hex)' })),
});

export async function downloadRoute(app: HubApp, options: DownloadRouteOptions) {
  function authorize(request: FastifyRequest, version: string, query: { agent?: string; token?: string }) {
    if (request.session) return;
    if (bearerToken(request) !== undefined) {
      if (options.checkPublisher(request)) return;
      throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'unknown publisher token');
    }
    if (query.agent === undefined && query.token === undefined) {
      throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'log in, or use a publisher token or a capability URL');
    }
    const address = query.agent ? agentFromUsername(query.agent) : undefined;
    if (!address || !query.token || !options.capability.verify(address, version, query.token)) {
      throw httpError('CXR_ERR_HUB_CAPABILITY_INVALID', 'the capability token does not match this agent and version');
    }
  }

  app.get(
    '/api/models/:version/package.tar',
    {
      schema: {
        tags: ['models'],
        summary: 'Download a package .tar (Range requests supported)',
        params: Type.Object({ version: VersionParam }),
        querystring: Query,
        response: {
          200: Type.Any({ description: 'the package .tar' }),
          206: Type.Any({ description: 'the requested byte range' }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          416: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { version } = request.params;
      authorize(request, version, request.query);
      const model = await options.models.get(version);
      if (!model) throw httpError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
      const stored = options.packages.find(model.sha256);
      if (!stored) {
        throw new CxrError('CXR_ERR_HUB_PACKAGE_STORE', `the package file of ${version} is missing on the hub`, {
          kind: 'internal',
        });
      }
      const etag = `"${model.sha256}"`;
      const size = stored.sizeBytes;
      reply.header('accept-ranges', 'bytes').header('etag', etag).header('cache-control', 'private, no-transform');
      const ifRange = request.headers['if-range'];
      const range = decideRange(request.headers.range, size, {
        header: Array.isArray(ifRange) ? ifRange[0] : ifRange,
        etag,
      });
      if (range.kind === 'unsatisfiable') {
        return reply
          .status(416)
          .header('content-range', `bytes */${size}`)
          .send({ error: { code: 'CXR_ERR_HUB_RANGE_NOT_SATISFIABLE', message: `the package has ${size} bytes` } });
      }
      reply.type('application/x-tar');
      if (range.kind === 'full') {
        reply.header('content-length', size);
        return reply.status(200).send(createReadStream(stored.path));
      }
      reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
      reply.header('content-length', range.end - range.start + 1);
      return reply.status(206).send(createReadStream(stored.path, { start: range.start, end: range.end }));
    },
  );
}
