/**
 * What the shadow API sends (the response schemas filter: nothing else leaves). In: a stored shadow, its live
 * agreement with radiologists and whether the candidate's evaluation report is stored. Out: the shadow view — the
 * candidate, sites, status and how it ended, the report's URL, and per site and overall the films the candidate
 * scored, the read films and how many of them production and the candidate agree with.
 */
import { type Static, Type } from '@sinclair/typebox';
import { RolloutWaveSchema } from '../rollouts/wave.ts';
import type { Agreement } from './shadow-agreement.ts';
import type { Shadow } from './shadows-store.ts';

const Rate = Type.Object({ agreed: Type.Integer(), rate: Type.Union([Type.Number(), Type.Null()]) });
const Row = {
  films: Type.Integer(),
  reads: Type.Integer(),
  production: Rate,
  candidate: Rate,
};
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

export const ShadowView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  sites: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('promoted')]),
  minReads: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  endedBy: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  endReason: Nullable(Type.String()),
  rolloutId: Nullable(Type.String()),
  /** The candidate's evaluation report (trainer), when stored. */
  reportUrl: Nullable(Type.String()),
  agreement: Type.Object({
    overall: Type.Object(Row),
    sites: Type.Array(Type.Object({ site: Type.String(), ...Row })),
    productionVersions: Type.Array(Type.String()),
  }),
});
export type ShadowViewT = Static<typeof ShadowView>;

export const StartShadowBody = Type.Object(
  {
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    alias: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    sites: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { minItems: 1, maxItems: 100 }),
    minReads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export function shadowView(shadow: Shadow, agreement: Agreement, reportUrl: string | null): ShadowViewT {
  return { ...shadow, reportUrl, agreement };
}

export const PromoteBody = Type.Object(
  {
    waves: Type.Optional(Type.Array(RolloutWaveSchema, { minItems: 1, maxItems: 20 })),
    waitS: Type.Optional(Type.Number({ minimum: 0, maximum: 7 * 86_400 })),
    abortFailureFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
