/**
 * The model manifest (`manifest.json` in a model package): everything an agent, the hub and the
 * evaluator need to know about a model, signed as a whole (see docs/model-package.md).
 */
import { type Static, Type } from '@sinclair/typebox';
import { InputSpecSchema } from '../preprocess/input-spec.ts';
import { ReferenceScoresSchema } from '../triage/score-histogram.ts';

export const ClassThresholdSchema = Type.Object({
  /** Flag the class when probability >= threshold. */
  threshold: Type.Number({ minimum: 0, maximum: 1 }),
  /** The operating point the threshold was chosen at, on the validation split. */
  chosenOn: Type.String(),
  targetSensitivity: Type.Optional(Type.Number()),
  sensitivity: Type.Optional(Type.Number()),
  specificity: Type.Optional(Type.Number()),
});

export const GoldenCaseSchema = Type.Object({
  /** Preprocessed input, base64 of little-endian float32, NCHW. */
  inputF32Base64: Type.String(),
  /** Raw model probabilities (before calibration). */
  expectedProbabilities: Type.Array(Type.Number()),
  /** Expected values of the extra outputs (`outputs.extra`), by output name, flattened per image. */
  expectedExtra: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Number()))),
  /** Max abs difference allowed between expected and produced probabilities. */
  tolerance: Type.Number({ exclusiveMinimum: 0 }),
});

/**
 * What the classes mean for triage (docs/model-package.md#triage). A model's classes are not all findings:
 * "Normal" means the absence of one. Manifests without this section get the documented legacy reading
 * (`models/triage/class-roles.ts`).
 */
export const TriageSpecSchema = Type.Object({
  /** The class that means "no finding", if the model has one. Never shown or counted as a finding. */
  normalClass: Type.Optional(Type.String()),
  /** The classes that are findings. The abnormality score is the highest of their probabilities. */
  findingClasses: Type.Array(Type.String(), { minItems: 1 }),
  /**
   * Per finding class, a high-specificity operating point (chosen on validation): at or above it the study
   * is `urgent`. Classes without one never make a study urgent.
   */
  urgent: Type.Optional(Type.Record(Type.String(), ClassThresholdSchema)),
});

/**
 * Probability calibration fitted on validation (docs/trainer.md, "Calibration and operating points"), applied to the raw model
 * probabilities by `calibrateProbabilities` (models/package/calibration.ts) before thresholds are compared.
 * Temperature: p = sigmoid(logit(raw) / T) per class.
 */
export const CalibrationSchema = Type.Object({
  method: Type.Literal('temperature'),
  temperature: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })),
  fittedOn: Type.String(),
});

/**
 * The not-a-chest-X-ray gate (docs/trainer.md, "Not-a-chest gate"; models/package/chest-gate.ts): cheap rules on the
 * preprocessed input, a logistic head on the classifier's features (output `head.output`, probability that the
 * image is a chest radiograph) and a feature-space distance to chest films (output `distance.output`: a whitened
 * embedding; its mean square is the squared Mahalanobis distance per dimension).
 */
export const GateSpecSchema = Type.Object({
  /** Refuse when the input's pixel standard deviation ([0,1] scale, before mean/std) is below this. */
  minInputStd: Type.Number({ minimum: 0 }),
  /**
   * Refuse a colour PNG/JPEG whose mean chroma ((max - min) of R, G, B, [0,1] scale) is above this. With
   * `maxColourResidual` it is the strongest tint a film may carry (a light box, a sepia scan); without it (3.1.0)
   * any colour above it.
   */
  maxChroma: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Refuse a colour PNG/JPEG whose colour beyond one tint per grey level (models/image/image-stats.ts) is above this. */
  maxColourResidual: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Refuse an image whose grey area is exactly flat over more than this share (models/image/pixel-stats.ts). */
  maxFlatFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  head: Type.Object({ output: Type.String(), threshold: Type.Number({ minimum: 0, maximum: 1 }) }),
  distance: Type.Object({ output: Type.String(), threshold: Type.Number({ exclusiveMinimum: 0 }) }),
  fittedOn: Type.Record(Type.String(), Type.Unknown()),
});

export const ManifestSchema = Type.Object({
  formatVersion: Type.Literal(1),
  name: Type.String({ minLength: 1 }),
  version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+(?:[-+][0-9A-Za-z.-]+)?$' }),
  createdAt: Type.String({ format: 'date-time' }),
  classes: Type.Array(Type.String(), { minItems: 1 }),
  input: InputSpecSchema,
  outputs: Type.Object({
    probabilities: Type.String(),
    cam: Type.String(),
    inputName: Type.String(),
    /** Further outputs the runtimes return in `ModelOutput.extra` (e.g. the gate's). */
    extra: Type.Optional(Type.Array(Type.String())),
  }),
  /** Screening operating points (target sensitivity, chosen on validation), on calibrated probabilities. */
  thresholds: Type.Record(Type.String(), ClassThresholdSchema),
  triage: Type.Optional(TriageSpecSchema),
  calibration: Type.Optional(CalibrationSchema),
  /** The triage score's histogram on validation: the reference for drift (docs/model-package.md#reference-scores). */
  referenceScores: Type.Optional(ReferenceScoresSchema),
  gate: Type.Optional(GateSpecSchema),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  architecture: Type.Record(Type.String(), Type.Unknown()),
  macs: Type.Number({ minimum: 0 }),
  params: Type.Number({ minimum: 0 }),
  trainingData: Type.Record(Type.String(), Type.Unknown()),
  modelSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** keyId() of the publisher key that signed this manifest; lets a verifier tell "untrusted" from "forged". */
  publisherKeyId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$' })),
  golden: Type.Array(GoldenCaseSchema),
});
export type Manifest = Static<typeof ManifestSchema>;
export type ClassThreshold = Static<typeof ClassThresholdSchema>;
export type TriageSpec = Static<typeof TriageSpecSchema>;
export type Calibration = Static<typeof CalibrationSchema>;
export type GateSpec = Static<typeof GateSpecSchema>;
