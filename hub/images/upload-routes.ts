/**
 * Agents upload diagnostic images here, apart from MQTT (docs/viewing.md), logged in as themselves (agent-login.ts).
 *   POST  /api/agent/images {v, resultId, image}  — announce: links the result to the image (sha256) and answers
 *         how far the hub has it: `{sha256, offset, complete}` (complete when those bytes are already stored).
 *   PATCH /api/agent/images/:sha256 (upload-offset header, octet-stream chunk) — appends at the hub's offset; 409
 *         with the hub's offset when the agent's differs; when the last byte arrives the file is hashed and
 *         stored only if its sha256 matches (else 422 CXR_ERR_HUB_IMAGE_SHA256_MISMATCH and the upload restarts).
 * An agent may only send bytes for an image it announced; sizes over `maxImageBytes` are refused (413).
 */
import { Type } from '@sinclair/typebox';
import { DiagnosticUploadSchema } from '../../protocol/pixel-messages.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AgentLogin } from './agent-login.ts';
import type { ImageFiles } from './image-files.ts';
import type { ImagesStore } from './images-store.ts';

export interface UploadRoutesOptions {
  store: ImagesStore;
  files: ImageFiles;
  login: AgentLogin;
  maxImageBytes: number;
  maxChunkBytes: number;
  nowMs: () => number;
}

const UploadState = Type.Object({ sha256: Type.String(), offset: Type.Integer(), complete: Type.Boolean() });
const Sha = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

export async function uploadRoutes(app: HubApp, options: UploadRoutesOptions) {
  const { store, files } = options;
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: options.maxChunkBytes },
    (_request, body, done) => done(null, body),
  );

  const busy = new Set<string>(); // one chunk per image at a time (a retry racing its own earlier request)

  async function state(sha256: string) {
    if (await store.isStored(sha256)) return { sha256, offset: files.storedSize(sha256) ?? 0, complete: true };
    return { sha256, offset: files.partialSize(sha256), complete: false };
  }

  app.post(
    '/api/agent/images',
    {
      schema: {
        tags: ['images'],
        summary: "Announce a result's diagnostic image (agent login); answers how much of it the hub has",
        body: DiagnosticUploadSchema,
        response: { 200: UploadState, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const address = await options.login(request);
      const { resultId, image } = request.body;
      if (image.sizeBytes > options.maxImageBytes) {
        return reply.status(413).send({
          error: {
            code: 'CXR_ERR_HUB_BODY_TOO_LARGE',
            message: `images are limited to ${options.maxImageBytes} bytes`,
          },
        });
      }
      await store.announce({ resultId, sha256: image.sha256, ...address, image }, options.nowMs());
      return state(image.sha256);
    },
  );

  app.patch(
    '/api/agent/images/:sha256',
    {
      bodyLimit: options.maxChunkBytes,
      schema: {
        tags: ['images'],
        summary: 'Append a chunk of an announced diagnostic image at the hub offset (agent login)',
        params: Sha,
        headers: Type.Object({ 'upload-offset': Type.Integer({ minimum: 0 }) }),
        response: {
          200: UploadState,
          401: ErrorBody,
          404: ErrorBody,
          409: UploadState,
          413: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const address = await options.login(request);
      const { sha256 } = request.params;
      const image = await store.announcedBy(sha256, address.site, address.agent);
      if (!image) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'announce the image first (POST /api/agent/images)');
      const current = await state(sha256);
      if (current.complete) return current;
      const chunk = request.body as Buffer;
      const offset = request.headers['upload-offset'];
      if (offset !== current.offset) return reply.status(409).send(current);
      if (offset + chunk.byteLength > image.sizeBytes) {
        return reply.status(413).send({
          error: { code: 'CXR_ERR_HUB_BODY_TOO_LARGE', message: `the image has ${image.sizeBytes} bytes` },
        });
      }
      if (busy.has(sha256)) return reply.status(409).send(current);
      busy.add(sha256);
      let size: number;
      try {
        size = await files.append(sha256, offset, chunk);
        if (size !== offset + chunk.byteLength)
          return reply.status(409).send({ sha256, offset: size, complete: false });
        if (size < image.sizeBytes) return { sha256, offset: size, complete: false };
        if (!(await files.finish(sha256))) {
          return reply.status(422).send({
            error: {
              code: 'CXR_ERR_HUB_IMAGE_SHA256_MISMATCH',
              message: 'the bytes do not hash to the announced sha256',
            },
          });
        }
        await store.markStored(sha256, size, options.nowMs());
      } finally {
        busy.delete(sha256);
      }
      request.log.info({ sha256, bytes: size, site: address.site, agent: address.agent }, 'diagnostic image stored');
      return { sha256, offset: size, complete: true };
    },
  );
}
