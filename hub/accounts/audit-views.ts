/** The response schema of an audit entry (audit log route, a study's history). */
import { Type } from '@sinclair/typebox';

export const AuditEntryView = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  source: Type.Union([Type.String(), Type.Null()], { description: 'client address, when over HTTP' }),
});
