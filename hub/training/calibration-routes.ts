/**
 * Site calibrations over HTTP (docs/hub.md#site-calibration): a trainer publishes the signed calibration its
 * recalibration job made (`POST /api/trainer/jobs/:id/calibration`: verified against the hub's trusted keys, for
 * the job's site only; CXR_ERR_CALIBRATION_UNTRUSTED / _INVALID otherwise), people list them
 * (`GET /api/training/calibrations`, radiologist+) and an admin rolls a site back to an earlier version
 * (`POST /api/training/calibrations/:site/current`, CSRF). Publishing and rollback are audited.
 */
import { Type } from '@sinclair/typebox';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { verifySiteCalibration } from '../../models/triage/site-calibration.ts';
import type { AuditStore } from '../accounts/audit-store.ts';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { CalibrationsStore, StoredCalibration } from './calibrations-store.ts';
import { JobIdParams } from './job-views.ts';
import type { JobsStore } from './jobs-store.ts';
import type { TrainerAuth } from './trainer-auth.ts';

export interface CalibrationRoutesOptions {
  auth: TrainerAuth;
  jobs: JobsStore;
  calibrations: CalibrationsStore;
  audit: AuditStore;
  trustedKeysDir: string;
  /** Called after a site's current calibration changed (publish or rollback). */
  changed(site: string): Promise<void>;
  now: () => Date;
}

const Site = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Signed = Type.Object({
  payload: Type.String({ maxLength: 65_536 }),
  signature: Type.String(),
  keyId: Type.String(),
});
const CalibrationView = Type.Object({
  site: Type.String(),
  version: Type.Integer(),
  modelVersion: Type.String(),
  thresholds: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  reads: Type.Integer(),
  keyId: Type.String(),
  jobId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  current: Type.Boolean(),
});

const view = (c: StoredCalibration) => ({
  site: c.site,
  version: c.version,
  modelVersion: c.modelVersion,
  thresholds: c.calibration.thresholds as Record<string, Record<string, unknown>>,
  reads: c.calibration.reads,
  keyId: c.signed.keyId,
  jobId: c.jobId,
  createdAt: c.createdAt,
  current: c.current,
});

export async function calibrationRoutes(app: HubApp, options: CalibrationRoutesOptions) {
  const { calibrations, audit, now } = options;

  app.post(
    '/api/trainer/jobs/:id/calibration',
    {
      schema: {
        tags: ['trainer'],
        summary: "Publish the signed site calibration of a recalibration job; it becomes the site's current one",
        params: JobIdParams,
        body: Signed,
        response: { 201: CalibrationView, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const trainer = await options.auth.trainerOf(request, now().getTime());
      const job = await options.jobs.report(request.params.id, trainer, null, now());
      const trusted = await readTrustedKeys([], { defaultDir: options.trustedKeysDir });
      const calibration = verifySiteCalibration(request.body, trusted);
      if (job.site !== calibration.site) {
        throw httpError(
          'CXR_ERR_CALIBRATION_INVALID',
          `job ${job.id} is for site ${job.site ?? 'all'}, not ${calibration.site}`,
        );
      }
      const stored = await calibrations.add(calibration, request.body, job.id, trainer, now());
      await audit.append(
        {
          actor: trainer,
          action: 'calibration.publish',
          target: calibration.site,
          after: { version: stored.version, modelVersion: calibration.modelVersion, job: job.id },
        },
        now(),
      );
      await options.changed(calibration.site);
      return reply.status(201).send(view(stored));
    },
  );

  app.get(
    '/api/training/calibrations',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['training'],
        summary: 'Site calibrations, newest version first per site',
        querystring: Type.Object({ site: Type.Optional(Site) }),
        response: { 200: Type.Object({ calibrations: Type.Array(CalibrationView) }), 401: ErrorBody },
      },
    },
    async (request) => ({ calibrations: (await calibrations.list(request.query.site)).map(view) }),
  );

  app.post(
    '/api/training/calibrations/:site/current',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['training'],
        summary: 'Point a site at one of its calibration versions (rollback)',
        params: Type.Object({ site: Site }),
        body: Type.Object({ version: Type.Integer({ minimum: 1 }) }),
        response: {
          200: Type.Object({ before: Type.Union([Type.Integer(), Type.Null()]), after: Type.Integer() }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const actor = sessionOf(request).user.username;
      const change = await calibrations.setCurrent(request.params.site, request.body.version, actor, now());
      await audit.append(
        {
          actor,
          action: 'calibration.rollback',
          target: request.params.site,
          before: { version: change.before },
          after: { version: change.after },
          source: request.ip,
        },
        now(),
      );
      await options.changed(request.params.site);
      return change;
    },
  );
}
