/**
 * Reads and claims over HTTP (radiologist+, CSRF; docs/hub.md#reads, #claims):
 * - POST /api/studies/:resultId/reads — sign a read or an addendum (reads-store.ts); a `read` event follows;
 * - POST /api/studies/:resultId/claim — claim (or renew, or `takeOver`); DELETE — release (admins: anyone's).
 * Every change records the request's source address in the audit log; a `claim` event tells the other readers.
 */
import { Type } from '@sinclair/typebox';
import { requireRole, sessionOf } from '../accounts/guards.ts';
import type { HubEvents } from '../events/hub-events.ts';
import { ErrorBody } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { ClaimView, ReadView } from '../results/study-views.ts';
import type { ClaimsStore } from './claims-store.ts';
import type { InSigning, ReadsStore, SignedStudy, StoredRead } from './reads-store.ts';

export interface ReadRoutesOptions {
  reads: ReadsStore;
  claims: ClaimsStore;
  events: HubEvents;
  now: () => Date;
  /** Inside the signing transaction (the clinic report outbox), and after the commit (send it now). */
  inSigning?: InSigning;
  afterSigning?: (read: StoredRead, study: SignedStudy) => void;
}

const Params = Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });
const DecisionSchema = Type.Union([Type.Literal('present'), Type.Literal('absent')]);

export async function readRoutes(app: HubApp, options: ReadRoutesOptions) {
  const { reads, claims, events, now } = options;
  app.addHook('preHandler', requireRole('radiologist'));

  app.post(
    '/api/studies/:resultId/reads',
    {
      schema: {
        tags: ['reads'],
        summary: 'Sign a read (or an addendum): an explicit decision per finding class and an impression',
        params: Params,
        body: Type.Object(
          {
            decisions: Type.Record(Type.String({ maxLength: 128 }), DecisionSchema),
            impression: Type.String({ maxLength: 4000 }),
            normal: Type.Boolean({ default: false }),
            agreedWithAi: Type.Boolean({ default: false }),
            basedOn: Type.Integer({ minimum: 0, description: 'the latest version the reader saw (0: none)' }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: ReadView,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const body = request.body;
      const { read, study } = await reads.sign(
        {
          resultId: request.params.resultId,
          reader: session.user.username,
          decisions: body.decisions,
          impression: body.impression.trim(),
          normal: body.normal,
          agreedWithAi: body.agreedWithAi,
          basedOn: body.basedOn,
          source: request.ip,
        },
        now(),
        options.inSigning,
      );
      request.log.info({ resultId: study.resultId, version: read.version, reader: read.reader }, 'read signed');
      events.emit('read', { resultId: study.resultId, version: read.version, reader: read.reader });
      events.emit('claim', { resultId: study.resultId, claim: null });
      options.afterSigning?.(read, study);
      return reply.status(201).send(read);
    },
  );

  app.post(
    '/api/studies/:resultId/claim',
    {
      schema: {
        tags: ['reads'],
        summary: 'Claim a study for reading (or renew the claim); takeOver takes someone else’s claim, audited',
        params: Params,
        body: Type.Object({ takeOver: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: ClaimView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const claim = await claims.claim(
        {
          resultId: request.params.resultId,
          user: session.user.username,
          takeOver: request.body.takeOver,
          source: request.ip,
        },
        now(),
      );
      events.emit('claim', { resultId: request.params.resultId, claim });
      return claim;
    },
  );

  app.delete(
    '/api/studies/:resultId/claim',
    {
      schema: {
        tags: ['reads'],
        summary: 'Release your claim (admins: anyone’s, audited)',
        params: Params,
        response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const released = await claims.release(
        {
          resultId: request.params.resultId,
          user: session.user.username,
          asAdmin: session.user.role === 'admin',
          source: request.ip,
        },
        now(),
      );
      if (released) events.emit('claim', { resultId: request.params.resultId, claim: null });
      return reply.status(204).send(null);
    },
  );
}
