/**
 * A study's diagnostic image for the viewer, authorised like its preview (a radiologist's session):
 *   GET /api/studies/:resultId/image       the lossless grey PNG (8/16-bit), `etag` = its sha256, `Range` (206/416),
 *                                           the default window in `x-cxr-window-center`/`-width` (modality values);
 *   GET /api/studies/:resultId/image-info  the image's description (size, bits, rescale, window, invert, spacing),
 *                                           whether it is stored yet, and the safe header data of the result.
 * The image is served only for the result its own agent announced it for (the result's site/agent).
 */
import { createReadStream } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { DiagnosticImageSchema } from '../../protocol/pixel-messages.ts';
import { requireRole } from '../accounts/guards.ts';
import type { HubDb } from '../db/database.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { decideRange } from '../registry/byte-range.ts';
import type { ImageFiles } from './image-files.ts';
import type { ImageLink, ImagesStore } from './images-store.ts';

export interface ImageRoutesOptions {
  db: HubDb;
  store: ImagesStore;
  files: ImageFiles;
}

const Params = Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

export const SafeHeaderView = Type.Object({
  modality: Type.Optional(Type.String()),
  projection: Type.Optional(Type.String()),
  portable: Type.Optional(Type.Boolean()),
  bodyPart: Type.Optional(Type.String()),
  ageBand: Type.Optional(Type.String()),
  sex: Type.Optional(Type.String()),
  acquiredDaysAgo: Type.Optional(Type.Integer()),
  rows: Type.Integer(),
  cols: Type.Integer(),
  pixelSpacingMm: Type.Optional(Type.Array(Type.Number())),
  spacingSource: Type.Optional(Type.String()),
});

const ImageInfo = Type.Object({
  resultId: Type.String(),
  header: SafeHeaderView,
  diagnostic: Type.Union([Type.Object({ ...DiagnosticImageSchema.properties, stored: Type.Boolean() }), Type.Null()]),
});

export async function imageRoutes(app: HubApp, options: ImageRoutesOptions) {
  const { db, store, files } = options;
  app.addHook('preHandler', requireRole('radiologist'));

  async function study(resultId: string) {
    const row = await db.kysely
      .selectFrom('results')
      .select(['site', 'agent', 'image'])
      .where('result_id', '=', resultId)
      .executeTakeFirst();
    if (!row) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    const link = await store.link(resultId);
    const own = link && link.site === row.site && link.agent === row.agent ? link : undefined;
    return { header: JSON.parse(row.image) as Record<string, unknown>, link: own };
  }

  app.get(
    '/api/studies/:resultId/image-info',
    {
      schema: {
        tags: ['studies'],
        summary: "The study's diagnostic image description and safe header data",
        params: Params,
        response: { 200: ImageInfo, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { resultId } = request.params;
      const { header, link } = await study(resultId);
      return {
        resultId,
        header: header as { rows: number; cols: number },
        diagnostic: link ? { ...link.image, stored: link.stored } : null,
      };
    },
  );

  app.get(
    '/api/studies/:resultId/image',
    {
      schema: {
        tags: ['studies'],
        summary: 'The lossless diagnostic image (grey PNG; Range supported)',
        params: Params,
        response: {
          200: Type.Any({ description: 'image/png' }),
          206: Type.Any({ description: 'the requested byte range' }),
          401: ErrorBody,
          404: ErrorBody,
          416: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { link } = await study(request.params.resultId);
      const size = link?.stored ? files.storedSize(link.sha256) : undefined;
      if (!link || size === undefined) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'this study has no diagnostic image');
      return sendImage(request.headers, reply, link, size, files.pathOf(link.sha256));
    },
  );
}

function sendImage(
  headers: Record<string, string | string[] | undefined>,
  reply: import('fastify').FastifyReply,
  link: ImageLink,
  size: number,
  path: string,
) {
  const etag = `"${link.sha256}"`;
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('cache-control', 'private, max-age=86400, immutable')
    .header('x-cxr-window-center', String(link.image.window.center))
    .header('x-cxr-window-width', String(link.image.window.width))
    .header('x-cxr-bits-stored', String(link.image.bitsStored));
  if (headers['if-none-match'] === etag) return reply.status(304).send();
  const ifRange = headers['if-range'];
  const range = decideRange(headers.range as string | undefined, size, {
    header: Array.isArray(ifRange) ? ifRange[0] : ifRange,
    etag,
  });
  if (range.kind === 'unsatisfiable') {
    return reply
      .status(416)
      .header('content-range', `bytes */${size}`)
      .send({ error: { code: 'CXR_ERR_HUB_RANGE_NOT_SATISFIABLE', message: `the image has ${size} bytes` } });
  }
  reply.type('image/png');
  if (range.kind === 'full') {
    reply.header('content-length', size);
    return reply.status(200).send(createReadStream(path));
  }
  reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
  reply.header('content-length', range.end - range.start + 1);
  return reply.status(206).send(createReadStream(path, { start: range.start, end: range.end }));
}
