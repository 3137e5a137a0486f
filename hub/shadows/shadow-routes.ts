/**
 * Live shadows over HTTP (docs/hub.md#live-shadow): start one at chosen sites, stop it, promote it to the fleet
 * (admin, CSRF, audited by the runner); list and detail with the live agreement with radiologists next to
 * production's (radiologist+). The SSE `shadow` event tells dashboards to read again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { ShadowRunner } from './shadow-runner.ts';
import { PromoteBody, ShadowView, StartShadowBody, shadowView } from './shadow-views.ts';
import type { Shadow, ShadowsStore } from './shadows-store.ts';

export interface ShadowRoutesOptions {
  runner: ShadowRunner;
  shadows: ShadowsStore;
  /** Where trainers' evaluation reports are (`<version>.html`). */
  reportsDir: string;
}

const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const IdParam = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

export async function shadowRoutes(app: HubApp, options: ShadowRoutesOptions) {
  const { runner, shadows } = options;
  const view = async (shadow: Shadow) => {
    const report = existsSync(join(options.reportsDir, `${shadow.version}.html`));
    const reportUrl = report ? `/api/training/reports/${encodeURIComponent(shadow.version)}` : null;
    return shadowView(shadow, await runner.agreement(shadow), reportUrl);
  };

  app.post(
    '/api/shadows',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['shadows'],
        summary: 'Shadow a candidate beside production at chosen sites (agents score with both and report)',
        body: StartShadowBody,
        response: { 201: ShadowView, ...Errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await view(await runner.start(request.body, sessionOf(request).user.username))),
  );

  app.get(
    '/api/shadows',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['shadows'],
        summary: 'Live shadows, newest first, with agreement with radiologists beside production',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
        response: { 200: Type.Object({ shadows: Type.Array(ShadowView) }), 401: ErrorBody },
      },
    },
    async (request) => ({ shadows: await Promise.all((await shadows.list(request.query.limit)).map(view)) }),
  );

  app.get(
    '/api/shadows/:id',
    {
      preHandler: requireRole('radiologist'),
      schema: {
        tags: ['shadows'],
        summary: 'One live shadow',
        params: IdParam,
        response: { 200: ShadowView, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const shadow = await shadows.get(request.params.id);
      if (!shadow) throw httpError('CXR_ERR_HUB_SHADOW_NOT_FOUND', `no shadow ${request.params.id}`);
      return view(shadow);
    },
  );

  app.post(
    '/api/shadows/:id/stop',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['shadows'],
        summary: 'Stop a live shadow',
        params: IdParam,
        response: { 200: ShadowView, ...Errors },
      },
    },
    async (request) => view(await runner.stop(request.params.id, sessionOf(request).user.username)),
  );

  app.post(
    '/api/shadows/:id/promote',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['shadows'],
        summary: 'Promote the candidate: start its staged rollout to every agent (rolloutId) and end the shadow',
        params: IdParam,
        body: PromoteBody,
        response: { 200: ShadowView, ...Errors },
      },
    },
    async (request) => {
      const { shadow } = await runner.promote(request.params.id, request.body, sessionOf(request).user.username);
      return view(shadow);
    },
  );
}
