/** The response schemas of a study in the worklist (and the SSE `result` event), and of one study's detail. */
import { Type } from '@sinclair/typebox';
import { TIERS } from '../../models/triage/triage-policy.ts';
import { Nullable } from '../http/nullable.ts';

export const TierView = Type.Union(TIERS.map((t) => Type.Literal(t)));

export const ClaimView = Type.Object({
  by: Type.String(),
  at: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const StudySummaryView = Type.Object({
  resultId: Type.String(),
  site: Type.String(),
  agent: Type.String(),
  studyKey: Nullable(Type.String()),
  tier: TierView,
  score: Type.Number({ description: 'abnormality score: the highest finding probability' }),
  findings: Type.Array(Type.String(), { description: 'finding classes the AI called, most probable first' }),
  urgentFindings: Type.Array(Type.String()),
  findingClasses: Type.Array(Type.String()),
  normalClass: Nullable(Type.String()),
  probabilities: Type.Record(Type.String(), Type.Number()),
  arrivedAt: Type.String({ description: 'acquisition time when the image says, else when the agent received it' }),
  acquired: Type.Boolean({ description: 'whether arrivedAt is the acquisition time' }),
  scoredAt: Type.String(),
  status: Type.Union([Type.Literal('unread'), Type.Literal('reviewed')]),
  signedAt: Nullable(Type.String()),
  turnaroundS: Nullable(Type.Integer({ description: 'arrival → first signed read, seconds' })),
  claim: Nullable(ClaimView),
  modelName: Type.String(),
  modelVersion: Type.String(),
});

export const ReadView = Type.Object({
  version: Type.Integer({ minimum: 1, description: '1 = the read, 2+ = addenda' }),
  reader: Type.String(),
  signedAt: Type.String(),
  decisions: Type.Record(Type.String(), Type.Union([Type.Literal('present'), Type.Literal('absent')])),
  impression: Type.String(),
  normal: Type.Boolean(),
  agreedWithAi: Type.Boolean(),
});

export const ActivationView = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  maps: Type.Record(Type.String(), Type.String()),
});
