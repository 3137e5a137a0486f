/**
 * Drift over HTTP (docs/hub.md#drift). `GET /api/drift?weeks=N` (radiologist+): per site, each ISO week judged —
 * agreement with signed reads, PSI of the scores against the model package's reference (`reference: "none"` and
 * no PSI when the package has none), refused-input rate — with the thresholds and the site's stored state.
 * `GET /api/drift/state` (radiologist+): only the stored states, for the dashboard's banner. `POST
 * /api/drift/:site/fine-tune` (admin, CSRF): queues a fine-tune job for the site (the "fine-tune for this site"
 * action), audited as `drift.fine-tune` with the drift it answers.
 */
import { Type } from '@sinclair/typebox';
import type { AuditStore } from '../accounts/audit-store.ts';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { jobView } from '../training/job-routes.ts';
import { JobView } from '../training/job-views.ts';
import type { JobsStore } from '../training/jobs-store.ts';
import type { DriftMonitor } from './drift-monitor.ts';
import type { DriftThresholds } from './drift-policy.ts';

export interface DriftRoutesOptions {
  monitor: DriftMonitor;
  thresholds: DriftThresholds;
  defaultWeeks: number;
  jobs: JobsStore;
  audit: AuditStore;
  events: HubEvents;
  now: () => Date;
}

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Reason = Type.Union([
  Type.Literal('agreement'),
  Type.Literal('score-distribution'),
  Type.Literal('refused-inputs'),
]);
const State = Type.Object({
  site: Type.String(),
  drifting: Type.Boolean(),
  week: Type.String(),
  reasons: Type.Array(Reason),
  figures: Type.Object({
    agreement: Nullable(Type.Number()),
    psi: Nullable(Type.Number()),
    refusedRate: Nullable(Type.Number()),
  }),
  since: Type.String(),
  updatedAt: Type.String(),
});
const Week = Type.Object({
  week: Type.String(),
  results: Type.Integer(),
  agreement: Type.Object({ reads: Type.Integer(), rate: Nullable(Type.Number()) }),
  scores: Type.Union([
    Type.Object({
      modelVersion: Type.String(),
      psi: Nullable(Type.Number()),
      reference: Type.Union([Type.Literal('model-package'), Type.Literal('none')]),
    }),
    Type.Null(),
  ]),
  refused: Type.Object({ count: Type.Integer(), rate: Nullable(Type.Number()) }),
  judged: Type.Boolean(),
  drifting: Type.Boolean(),
  reasons: Type.Array(Reason),
});
const Site = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

export async function driftRoutes(app: HubApp, options: DriftRoutesOptions) {
  const { monitor, now } = options;
  app.get(
    '/api/drift',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['drift'],
        summary: 'Drift per site and ISO week: agreement with reads, score PSI, refused inputs',
        querystring: Type.Object({ weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 104 })) }),
        response: {
          200: Type.Object({
            thresholds: Type.Record(Type.String(), Type.Number()),
            sites: Type.Array(
              Type.Object({ site: Type.String(), state: Type.Union([State, Type.Null()]), weeks: Type.Array(Week) }),
            ),
          }),
          401: ErrorBody,
        },
      },
    },
    async (request) => ({
      thresholds: { ...options.thresholds },
      sites: await monitor.report(request.query.weeks ?? options.defaultWeeks),
    }),
  );

  app.get(
    '/api/drift/state',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['drift'],
        summary: "Each site's drift state as last judged (the dashboard's banner)",
        response: { 200: Type.Object({ sites: Type.Array(State) }), 401: ErrorBody },
      },
    },
    async () => ({ sites: await monitor.states() }),
  );

  app.post(
    '/api/drift/:site/fine-tune',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['drift'],
        summary: 'Queue a fine-tune job for a drifting site',
        params: Type.Object({ site: Site }),
        body: Type.Optional(Type.Object({})),
        response: { 201: JobView, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const actor = sessionOf(request).user.username;
      const { site } = request.params;
      const state = (await monitor.states()).find((s) => s.site === site) ?? null;
      const job = await options.jobs.create({ kind: 'fine-tune', site, params: {}, createdBy: actor }, now());
      await options.audit.append(
        {
          actor,
          action: 'drift.fine-tune',
          target: site,
          after: { job: job.id, week: state?.week ?? null, reasons: state?.reasons ?? [] },
          source: request.ip,
        },
        now(),
      );
      options.events.emit('training', { id: job.id });
      return reply.status(201).send(jobView(job));
    },
  );
}
