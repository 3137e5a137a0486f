/**
 * Rollouts over HTTP: start (admin), list and detail with per-agent states (radiologist+), pause / resume /
 * abort / rollback (admin, CSRF), and pins (`PUT /api/pins`, admin). Every change is audited by the runner
 * or the pin setter; the SSE `rollout` event tells dashboards to re-read.
 */
import { Type } from '@sinclair/typebox';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import type { AgentsStore } from '../fleet/agents-store.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { PinsStore } from './pins-store.ts';
import type { RolloutAgentsStore } from './rollout-agents-store.ts';
import type { RolloutRunner } from './rollout-runner.ts';
import { PinBody, PinOutcomeView, PinView, RolloutView, rolloutView, StartRolloutBody } from './rollout-views.ts';
import type { Rollout, RolloutsStore } from './rollouts-store.ts';
import type { PinSetter } from './set-pin.ts';

export interface RolloutRoutesOptions {
  runner: RolloutRunner;
  rollouts: RolloutsStore;
  rolloutAgents: RolloutAgentsStore;
  agents: Pick<AgentsStore, 'list'>;
  pins: PinsStore;
  pinSetter: PinSetter;
}

const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export async function rolloutRoutes(app: HubApp, options: RolloutRoutesOptions) {
  const { runner, rollouts, rolloutAgents } = options;
  const view = async (rollout: Rollout) => {
    const online = new Set((await options.agents.list()).filter((a) => a.online).map((a) => `${a.site}/${a.agent}`));
    const rows = await rolloutAgents.of(rollout.id);
    return rolloutView(rollout, rows, (site, agent) => online.has(`${site}/${agent}`));
  };

  app.post(
    '/api/rollouts',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['rollouts'],
        summary: 'Start a rollout of a version (or alias) to all agents, sites or agents, in waves',
        body: StartRolloutBody,
        response: { 201: RolloutView, ...Errors },
      },
    },
    async (request, reply) => {
      const rollout = await runner.start(request.body, sessionOf(request).user.username);
      return reply.status(201).send(await view(rollout));
    },
  );

  app.get(
    '/api/rollouts',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['rollouts'],
        summary: 'Rollouts, newest first, with per-agent states',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }) }),
        response: { 200: Type.Object({ rollouts: Type.Array(RolloutView) }), 401: ErrorBody },
      },
    },
    async (request) => ({ rollouts: await Promise.all((await rollouts.list(request.query.limit)).map(view)) }),
  );

  const IdParam = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
  app.get(
    '/api/rollouts/:id',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['rollouts'],
        summary: 'One rollout',
        params: IdParam,
        response: { 200: RolloutView, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const rollout = await rollouts.get(request.params.id);
      if (!rollout) throw httpError('CXR_ERR_HUB_ROLLOUT_NOT_FOUND', `no rollout ${request.params.id}`);
      return view(rollout);
    },
  );

  app.post(
    '/api/rollouts/:id/:action',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['rollouts'],
        summary: 'pause | resume | abort | rollback a rollout',
        params: Type.Object({
          id: IdParam.properties.id,
          action: Type.Union([
            Type.Literal('pause'),
            Type.Literal('resume'),
            Type.Literal('abort'),
            Type.Literal('rollback'),
          ]),
        }),
        response: { 200: RolloutView, ...Errors },
      },
    },
    async (request) =>
      view(await runner.act(request.params.id, request.params.action, sessionOf(request).user.username)),
  );

  app.get(
    '/api/pins',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['rollouts'],
        summary: 'Pins in force',
        response: { 200: Type.Object({ pins: Type.Array(PinView) }), 401: ErrorBody },
      },
    },
    async () => ({ pins: await options.pins.list() }),
  );

  app.put(
    '/api/pins',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['rollouts'],
        summary: 'Pin an agent (or, without agent, a whole site) to a version; version null removes the pin',
        body: PinBody,
        response: { 200: PinOutcomeView, ...Errors },
      },
    },
    async (request) => options.pinSetter.setPin(request.body, sessionOf(request).user.username),
  );
}
