/**
 * The training queue for people (docs/hub.md#training): list and read jobs (radiologist+), create one (admin,
 * CSRF; also what the drift banner's "fine-tune for this site" sends) and cancel one (admin). Every change is
 * audited and emitted as the SSE event `training` ({id}).
 */
import { Type } from '@sinclair/typebox';
import type { AuditStore } from '../accounts/audit-store.ts';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { JobIdParams, JobView, NewJobBody } from './job-views.ts';
import type { JobsStore, TrainingJob } from './jobs-store.ts';

export interface JobRoutesOptions {
  jobs: JobsStore;
  audit: AuditStore;
  events: HubEvents;
  now: () => Date;
}

export function jobView(job: TrainingJob) {
  const { heartbeatMs, ...rest } = job;
  return {
    ...rest,
    params: job.params,
    progress: job.progress as Record<string, unknown> | null,
    heartbeatAt: heartbeatMs === null ? null : new Date(heartbeatMs).toISOString(),
  };
}

export async function jobRoutes(app: HubApp, options: JobRoutesOptions) {
  const { jobs, audit, events, now } = options;

  app.get(
    '/api/training/jobs',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['training'],
        summary: 'Training jobs, newest first',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
        response: { 200: Type.Object({ jobs: Type.Array(JobView) }), 401: ErrorBody },
      },
    },
    async (request) => ({ jobs: (await jobs.list(request.query.limit)).map(jobView) }),
  );

  app.get(
    '/api/training/jobs/:id',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['training'],
        summary: 'One training job with its progress and curves',
        params: JobIdParams,
        response: { 200: JobView, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const job = await jobs.get(request.params.id);
      if (!job) throw httpError('CXR_ERR_HUB_TRAINING_JOB_NOT_FOUND', `no training job ${request.params.id}`);
      return jobView(job);
    },
  );

  app.post(
    '/api/training/jobs',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['training'],
        summary: 'Queue a training job: search, fine-tune (one site or all) or recalibrate (one site)',
        body: NewJobBody,
        response: { 201: JobView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const { kind, site, params = {} } = request.body;
      if (kind === 'recalibrate' && site === undefined) {
        throw httpError('CXR_ERR_HUB_TRAINING_JOB_INVALID', 'a recalibration is for one site: give "site"');
      }
      const actor = sessionOf(request).user.username;
      const job = await jobs.create({ kind, site: site ?? null, params, createdBy: actor }, now());
      await audit.append(
        { actor, action: 'training.job.create', target: job.id, after: { kind, site, params }, source: request.ip },
        now(),
      );
      events.emit('training', { id: job.id });
      return reply.status(201).send(jobView(job));
    },
  );

  app.post(
    '/api/training/jobs/:id/cancel',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['training'],
        summary: "Cancel a job: a queued one at once, a running one at its trainer's next report",
        params: JobIdParams,
        body: Type.Optional(Type.Object({})),
        response: { 200: JobView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { before, job } = await jobs.cancel(request.params.id, now());
      await audit.append(
        {
          actor: sessionOf(request).user.username,
          action: 'training.job.cancel',
          target: job.id,
          before: { status: before },
          after: { status: job.status },
          source: request.ip,
        },
        now(),
      );
      events.emit('training', { id: job.id });
      return jobView(job);
    },
  );
}
