/** The response schema of a study in the worklist, a study's detail and the SSE `result` event. */
import { Type } from '@sinclair/typebox';

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
