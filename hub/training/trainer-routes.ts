/**
 * The trainer's API (docs/hub.md#training), authenticated by trainer tokens only (trainer-auth.ts):
 * `POST /api/trainer/session` (log in), `POST /api/trainer/jobs/claim` (one job at a time: its own active job
 * first, so a restarted trainer resumes), `POST /api/trainer/jobs/:id/progress` and `/heartbeat` (answer whether
 * the job is being cancelled), `/complete` and `/fail`, `/candidate` (the signed package `.tar`: verified against
 * the trusted keys, registered, alias `candidate`) and `/report` (the candidate's evaluation as HTML, kept beside
 * it); `GET /api/trainer/models/:ref/package.tar` downloads a registered package by version or alias (what a job
 * starts from and compares against). A report from a trainer that no longer holds the job is 409 CXR_ERR_HUB_TRAINING_JOB_STATE: it must stop.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { AuditStore } from '../accounts/audit-store.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ModelsStore } from '../registry/models-store.ts';
import type { PackageStore } from '../registry/package-store.ts';
import type { PublishPackage } from '../registry/publish-package.ts';
import { jobView } from './job-routes.ts';
import { FinishBody, JobIdParams, JobView, ProgressBody } from './job-views.ts';
import type { JobsStore } from './jobs-store.ts';
import type { TrainerAuth } from './trainer-auth.ts';

export interface TrainerRoutesOptions {
  auth: TrainerAuth;
  jobs: JobsStore;
  models: ModelsStore;
  publish: PublishPackage;
  packages: PackageStore;
  audit: AuditStore;
  events: HubEvents;
  reportsDir: string;
  heartbeatTimeoutMs: number;
  maxPackageBytes: number;
  now: () => Date;
}

const Answer = Type.Object({ status: Type.String(), cancel: Type.Boolean() });
const VERSION = /^[0-9A-Za-z.+-]{1,64}$/;

export async function trainerRoutes(app: HubApp, options: TrainerRoutesOptions) {
  const { auth, jobs, events, now } = options;
  const trainerOf = (request: Parameters<TrainerAuth['trainerOf']>[0]) => auth.trainerOf(request, now().getTime());
  const answer = (status: string) => ({ status, cancel: status === 'cancelling' });

  app.addContentTypeParser(
    ['application/x-tar', 'application/octet-stream', 'text/html'],
    { parseAs: 'buffer', bodyLimit: options.maxPackageBytes },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/api/trainer/session',
    {
      schema: {
        tags: ['trainer'],
        summary: 'A trainer logs in; the token goes in `authorization: Bearer`',
        body: Type.Object({ name: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 256 }) }),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String() }), 401: ErrorBody },
      },
    },
    async (request) => {
      const { name, password } = request.body;
      const session = await auth.login(name, password, now().getTime());
      await options.audit.append(
        { actor: name, action: session ? 'trainer.login' : 'trainer.login-failure', source: request.ip },
        now(),
      );
      if (!session) throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'wrong trainer name or password');
      request.log.info({ trainer: name }, 'trainer logged in');
      return { token: session.token, expiresAt: new Date(session.expiresMs).toISOString() };
    },
  );

  app.post(
    '/api/trainer/jobs/claim',
    {
      schema: {
        tags: ['trainer'],
        summary: 'The next job for this trainer (its own active job first), or null',
        response: { 200: Type.Object({ job: Type.Union([JobView, Type.Null()]) }), 401: ErrorBody },
      },
    },
    async (request) => {
      const trainer = await trainerOf(request);
      const job = await jobs.claim(trainer, now(), options.heartbeatTimeoutMs);
      if (job) {
        request.log.info({ trainer, job: job.id, kind: job.kind, attempt: job.attempt }, 'training job claimed');
        events.emit('training', { id: job.id });
      }
      return { job: job ? jobView(job) : null };
    },
  );

  app.post(
    '/api/trainer/jobs/:id/progress',
    {
      schema: {
        tags: ['trainer'],
        summary: 'Progress (phase, epoch, loss, per-class validation AUROC, ETA); says whether to cancel',
        params: JobIdParams,
        body: ProgressBody,
        response: { 200: Answer, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const trainer = await trainerOf(request);
      const at = now();
      const job = await jobs.report(request.params.id, trainer, { ...request.body, at: at.toISOString() }, at);
      events.emit('training', { id: job.id });
      return answer(job.status);
    },
  );

  app.post(
    '/api/trainer/jobs/:id/heartbeat',
    {
      schema: {
        tags: ['trainer'],
        summary: 'The trainer is alive; says whether to cancel',
        params: JobIdParams,
        response: { 200: Answer, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const job = await jobs.report(request.params.id, await trainerOf(request), null, now());
      return answer(job.status);
    },
  );

  for (const outcome of ['complete', 'fail'] as const) {
    app.post(
      `/api/trainer/jobs/:id/${outcome}`,
      {
        schema: {
          tags: ['trainer'],
          summary:
            outcome === 'complete' ? 'The job succeeded, with its result' : 'The job failed (or stopped on cancel)',
          params: JobIdParams,
          body: FinishBody,
          response: { 200: JobView, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const trainer = await trainerOf(request);
        const body = request.body;
        if ((outcome === 'complete') !== 'result' in body) {
          throw httpError(
            'CXR_ERR_HUB_TRAINING_JOB_INVALID',
            `${outcome} takes ${outcome === 'complete' ? 'result' : 'error'}`,
          );
        }
        const job = await jobs.finish(request.params.id, trainer, body, now());
        await options.audit.append(
          {
            actor: trainer,
            action: `training.job.${job.status}`,
            target: job.id,
            after: 'result' in body ? { result: body.result } : { error: body.error },
          },
          now(),
        );
        request.log.info({ trainer, job: job.id, status: job.status }, 'training job finished');
        events.emit('training', { id: job.id });
        return jobView(job);
      },
    );
  }

  app.post(
    '/api/trainer/jobs/:id/candidate',
    {
      bodyLimit: options.maxPackageBytes,
      schema: {
        tags: ['trainer'],
        summary: "Publish the job's signed package as `candidate` (verified against the trusted keys)",
        params: JobIdParams,
        response: {
          201: Type.Object({ version: Type.String(), sha256: Type.String(), created: Type.Boolean() }),
          400: ErrorBody,
          401: ErrorBody,
          409: ErrorBody,
          415: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const trainer = await trainerOf(request);
      await jobs.report(request.params.id, trainer, null, now()); // still holds the job
      if (!Buffer.isBuffer(request.body)) {
        throw httpError('CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE', 'send the package .tar as application/x-tar');
      }
      const outcome = await options.publish(request.body, `trainer:${trainer}`);
      const before = await options.models.alias('candidate');
      const at = now().toISOString();
      await options.models.setAlias({
        alias: 'candidate',
        version: outcome.model.version,
        updatedBy: trainer,
        updatedAt: at,
      });
      await options.audit.append(
        {
          actor: trainer,
          action: 'model.alias',
          target: 'candidate',
          before: before ? { version: before.version } : null,
          after: { version: outcome.model.version, job: request.params.id },
        },
        now(),
      );
      return reply
        .status(201)
        .send({ version: outcome.model.version, sha256: outcome.model.sha256, created: outcome.created });
    },
  );

  app.post(
    '/api/trainer/jobs/:id/report',
    {
      bodyLimit: options.maxPackageBytes,
      schema: {
        tags: ['trainer'],
        summary: "The candidate's evaluation report (HTML), kept beside it in the registry",
        params: JobIdParams,
        querystring: Type.Object({ version: Type.String({ pattern: VERSION.source }) }),
        response: { 204: Type.Null(), 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await jobs.report(request.params.id, await trainerOf(request), null, now());
      const { version } = request.query;
      if (!(await options.models.get(version))) {
        throw httpError('CXR_ERR_HUB_MODEL_NOT_FOUND', `version ${version} is not in the registry`);
      }
      await mkdir(options.reportsDir, { recursive: true });
      const path = join(options.reportsDir, `${version}.html`);
      await writeFile(`${path}.tmp`, request.body as Buffer);
      await rename(`${path}.tmp`, path);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/trainer/models/:ref/package.tar',
    {
      schema: {
        tags: ['trainer'],
        summary: 'A registered package by version or alias (e.g. production)',
        params: Type.Object({ ref: Type.String({ pattern: VERSION.source }) }),
        response: { 200: Type.Any({ description: 'application/x-tar' }), 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await trainerOf(request);
      const { ref } = request.params;
      const version = (await options.models.alias(ref))?.version ?? ref;
      const model = await options.models.get(version);
      const file = model ? options.packages.find(model.sha256) : undefined;
      if (!model || !file) throw httpError('CXR_ERR_HUB_MODEL_NOT_FOUND', `no registered model ${ref}`);
      return reply
        .type('application/x-tar')
        .header('etag', `"${model.sha256}"`)
        .header('x-model-version', model.version)
        .send(createReadStream(file.path));
    },
  );
}
