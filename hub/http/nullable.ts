/** Response schemas shared by several features (a field not listed here is never sent). */
import { Type } from '@sinclair/typebox';

/** `T | null` in a response schema. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const StudySummaryView = Type.Object({
  resultId: Type.String(),
  site: Type.String(),
  agent: Type.String(),
  studyKey: Type.Union([Type.String(), Type.Null()]),
  scoredAt: Type.String(),
  receivedAt: Type.String(),
  ingestedAt: Type.String(),
  modelName: Type.String(),
  modelVersion: Type.String(),
  runtime: Type.String(),
  flags: Type.Array(Type.String()),
  classes: Type.Array(Type.String()),
  probabilities: Type.Record(Type.String(), Type.Number()),
  maxProbability: Type.Number(),
  priority: Type.Integer({ description: 'number of flagged classes; higher is read first' }),
  status: Type.Union([Type.Literal('unread'), Type.Literal('reviewed')]),
  hasPreview: Type.Boolean(),
  hasHeatmap: Type.Boolean(),
});

export const ClassLabelView = Type.Object({
  class: Type.String(),
  aiFlag: Type.Boolean(),
  decision: Type.Union([Type.Literal('confirm'), Type.Literal('override')]),
  label: Type.Boolean(),
});

export const ReviewView = Type.Object({
  id: Type.Integer(),
  reviewer: Type.String(),
  at: Type.String(),
  report: Type.String(),
  labels: Type.Array(ClassLabelView),
});

export const AuditEntryView = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
