/**
 * GET /api/studies/:resultId/priors (radiologist): the patient's earlier studies at the same site, newest
 * first, with dates relative to this study (`daysBefore`) and to now (`daysAgo`), the AI tier and score, the
 * findings called, the safe header data, which images the hub has, and the latest signed read with its
 * signing date as days ago. Never a name, an identifier or an absolute date.
 */
import { Type } from '@sinclair/typebox';
import { requireRole } from '../accounts/guards.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import { SafeHeaderView } from './image-routes.ts';
import type { PriorsStore } from './priors-store.ts';

export interface PriorsRoutesOptions {
  priors: PriorsStore;
  nowMs: () => number;
}

const DAY_MS = 86_400_000;

const PriorView = Type.Object({
  resultId: Type.String(),
  daysBefore: Type.Integer(),
  daysAgo: Type.Integer(),
  tier: Type.String(),
  score: Type.Number(),
  flags: Type.Array(Type.String()),
  modelVersion: Type.String(),
  header: SafeHeaderView,
  hasPreview: Type.Boolean(),
  hasDiagnostic: Type.Boolean(),
  read: Type.Union([
    Type.Object({
      version: Type.Integer(),
      reader: Type.String(),
      signedDaysAgo: Type.Integer(),
      impression: Type.String(),
      normal: Type.Boolean(),
    }),
    Type.Null(),
  ]),
});

export async function priorsRoutes(app: HubApp, options: PriorsRoutesOptions) {
  app.addHook('preHandler', requireRole('radiologist'));
  app.get(
    '/api/studies/:resultId/priors',
    {
      schema: {
        tags: ['studies'],
        summary: "The patient's earlier studies (pseudonymous patient key), with relative dates and signed reads",
        params: Type.Object({ resultId: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
        response: {
          200: Type.Object({ resultId: Type.String(), priors: Type.Array(PriorView) }),
          401: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { resultId } = request.params;
      const found = await options.priors.priorsOf(resultId, request.query.limit);
      if (!found) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
      const now = options.nowMs();
      const days = (ms: number) => Math.floor(ms / DAY_MS);
      return {
        resultId,
        priors: found.priors.map((p) => ({
          resultId: p.resultId,
          daysBefore: days(found.arrivedMs - p.arrivedMs),
          daysAgo: days(now - p.arrivedMs),
          tier: p.tier,
          score: p.score,
          flags: p.flags,
          modelVersion: p.modelVersion,
          header: p.image as { rows: number; cols: number },
          hasPreview: p.hasPreview,
          hasDiagnostic: p.hasDiagnostic,
          read: p.read
            ? {
                version: p.read.version,
                reader: p.read.reader,
                signedDaysAgo: days(now - p.read.signedMs),
                impression: p.read.impression,
                normal: p.read.normal,
              }
            : null,
        })),
      };
    },
  );
}
