/**
 * GET /api/events: server-sent events for live dashboards. Events: `result` (a new study, as a worklist
 * item), `read` ({resultId, version, reader}), `claim` ({resultId, claim | null}), `fleet` ({site, agent}),
 * `rollout` ({id}: a rollout or one of
 * its agents changed; read it again with GET /api/rollouts/:id), `training` ({id}: a training job changed), `shadow` ({id}: a live shadow changed); a comment line every 15 s keeps
 * proxies from closing the stream. Streams are ended when the hub closes.
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { HubEventMap, HubEvents } from './hub-events.ts';

export async function eventsRoutes(app: HubApp, options: { events: HubEvents; heartbeatMs?: number }) {
  const open = new Set<ServerResponse>();
  app.addHook('preHandler', requireRole('radiologist'));
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/api/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: result, read, claim, fleet, rollout, training, shadow',
        response: { 200: Type.String({ description: 'text/event-stream' }), 401: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n: connected\n\n');
      open.add(res);
      const send =
        <K extends keyof HubEventMap>(name: K) =>
        (...args: HubEventMap[K]) => {
          res.write(`event: ${name}\ndata: ${JSON.stringify(args[0])}\n\n`);
        };
      const names = ['result', 'read', 'claim', 'fleet', 'rollout', 'training', 'shadow'] as const;
      const listeners = names.map((name) => [name, send(name)] as const);
      for (const [name, listener] of listeners) options.events.on(name, listener as never);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), options.heartbeatMs ?? 15_000);
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        for (const [name, listener] of listeners) options.events.off(name, listener as never);
        open.delete(res);
      });
    },
  );
}
