/**
 * Training data for trainers (trainer token only; docs/hub.md#training-data): `GET /api/trainer/reads` pages
 * through the signed reads (latest version each, explicit decisions, pseudonymous patient key, where the pixels
 * are) and `GET /api/trainer/reads/:resultId/pixels` sends the pixels — the stored diagnostic PNG when the site
 * sends it, else the de-identified preview — with `etag` = their sha256, so the trainer's cache can keep them.
 * `GET /api/training/reports/:version` serves a candidate's evaluation report to the dashboard.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { BlobStore } from '../results/blob-store.ts';
import type { TrainerAuth } from './trainer-auth.ts';
import type { TrainingDataStore } from './training-data-store.ts';

export interface TrainingDataRoutesOptions {
  auth: TrainerAuth;
  data: TrainingDataStore;
  blobs: BlobStore;
  diagnosticPath(sha256: string): string;
  reportsDir: string;
  now: () => Date;
}

const Pixels = Type.Union([
  Type.Object({
    kind: Type.Union([Type.Literal('diagnostic'), Type.Literal('preview')]),
    sha256: Type.String(),
    mime: Type.String(),
  }),
  Type.Null(),
]);

const ReadView = Type.Object({
  readId: Type.Integer(),
  resultId: Type.String(),
  site: Type.String(),
  patientKey: Type.String(),
  modelVersion: Type.String(),
  classes: Type.Array(Type.String()),
  probabilities: Type.Record(Type.String(), Type.Number()),
  readVersion: Type.Integer(),
  signedAt: Type.String(),
  normal: Type.Boolean(),
  decisions: Type.Record(Type.String(), Type.Union([Type.Literal('present'), Type.Literal('absent')])),
  pixels: Pixels,
});

export async function trainingDataRoutes(app: HubApp, options: TrainingDataRoutesOptions) {
  const { auth, data, now } = options;

  app.get(
    '/api/trainer/reads',
    {
      schema: {
        tags: ['trainer'],
        summary: 'Signed reads (latest version of each), oldest first, for training and calibration',
        querystring: Type.Object({
          site: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
        }),
        response: {
          200: Type.Object({ reads: Type.Array(ReadView), next: Type.Union([Type.Integer(), Type.Null()]) }),
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      await auth.trainerOf(request, now().getTime());
      const { site, after, limit } = request.query;
      const reads = await data.reads({ ...(site ? { site } : {}), ...(after === undefined ? {} : { after }), limit });
      return { reads, next: reads.length === limit ? (reads.at(-1)?.readId ?? null) : null };
    },
  );

  app.get(
    '/api/trainer/reads/:resultId/pixels',
    {
      schema: {
        tags: ['trainer'],
        summary: 'The pixels of a signed study: diagnostic PNG when stored, else the preview',
        params: Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        response: { 200: Type.Any({ description: 'image/png or the preview' }), 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await auth.trainerOf(request, now().getTime());
      const pixels = await data.pixelsOf(request.params.resultId);
      if (!pixels) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no signed study with pixels by that id');
      reply.header('etag', `"${pixels.sha256}"`).header('x-pixels-kind', pixels.kind).type(pixels.mime);
      if (pixels.kind === 'diagnostic') {
        const path = options.diagnosticPath(pixels.sha256);
        if (!existsSync(path)) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'the diagnostic image is gone (retention)');
        return reply.send(createReadStream(path));
      }
      const bytes = options.blobs.get(pixels.sha256);
      if (!bytes) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'the preview is gone');
      return reply.send(bytes);
    },
  );

  app.get(
    '/api/training/reports/:version',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['training'],
        summary: "A candidate's evaluation report (HTML, no script)",
        params: Type.Object({ version: Type.String({ pattern: '^[0-9A-Za-z.+-]{1,64}$' }) }),
        response: { 200: Type.Any({ description: 'text/html' }), 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const path = join(options.reportsDir, `${request.params.version}.html`);
      if (!existsSync(path)) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no report for that version');
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(createReadStream(path));
    },
  );
}
