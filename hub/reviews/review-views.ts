/** The response schema of a radiologist's review (per-class labels and the report). */
import { Type } from '@sinclair/typebox';

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
