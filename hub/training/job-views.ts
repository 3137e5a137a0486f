/**
 * The training API's schemas (TypeBox; the response schemas also filter what goes out): a job as the dashboard
 * and the trainer see it, a new job, a progress report, a finish report.
 */
import { type Static, Type } from '@sinclair/typebox';
import { JOB_KINDS } from './job-policy.ts';

const Json = Type.Record(Type.String(), Type.Unknown());
const Auroc = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]));

export const JobParams = Type.Object(
  {
    /** The model to start from (fine-tune, recalibrate): a version or an alias; default `production`. */
    base: Type.Optional(Type.String({ maxLength: 64 })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    /** Recalibration: the screening operating point reaches this sensitivity on the site's reads. */
    targetSensitivity: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.999 })),
    /** Use at most this many signed reads (the newest are kept). */
    maxReads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Share of patients held back for the evaluation (never trained on). */
    holdOut: Type.Optional(Type.Number({ minimum: 0.05, maximum: 0.5 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
    /** The version the candidate gets (default: the base's with a pre-release suffix). */
    version: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type JobParams = Static<typeof JobParams>;

export const NewJobBody = Type.Object(
  {
    kind: Type.Union(JOB_KINDS.map((k) => Type.Literal(k))),
    /** One site, or every site when absent (recalibration needs one). */
    site: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    params: Type.Optional(JobParams),
  },
  { additionalProperties: false },
);

export const ProgressBody = Type.Object({
  phase: Type.String({ maxLength: 64 }),
  epoch: Type.Optional(Type.Integer({ minimum: 0 })),
  epochs: Type.Optional(Type.Integer({ minimum: 0 })),
  loss: Type.Optional(Type.Number()),
  valAuroc: Type.Optional(Auroc),
  etaS: Type.Optional(Type.Number({ minimum: 0 })),
  message: Type.Optional(Type.String({ maxLength: 500 })),
});

export const FinishBody = Type.Union([
  Type.Object({ result: Json }),
  Type.Object({
    error: Type.Object({ code: Type.String({ maxLength: 80 }), message: Type.String({ maxLength: 2000 }) }),
  }),
]);

export const JobView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  site: Type.Union([Type.String(), Type.Null()]),
  params: Json,
  status: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  trainer: Type.Union([Type.String(), Type.Null()]),
  attempt: Type.Integer(),
  heartbeatAt: Type.Union([Type.String(), Type.Null()]),
  progress: Type.Union([Json, Type.Null()]),
  history: Type.Array(Type.Object({ epoch: Type.Integer(), loss: Type.Number(), valAuroc: Auroc, at: Type.String() })),
  result: Type.Union([Json, Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String(),
});

export const JobIdParams = Type.Object({ id: Type.String({ pattern: '^j-[0-9a-f]{12}$' }) });
