/**
 * Agent <-> hub messages, defined once as JSON Schema (TypeBox); types come from the schemas.
 * The agent validates before publishing, the hub on receipt (protocol/validate.ts).
 * PHI never appears here: identifiers are HMAC keys, images are de-identified renders.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TIERS } from '../models/triage/triage-policy.ts';
import { DiagnosticImageSchema, PixelDeidSchema } from './pixel-messages.ts';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Key = Type.String({ pattern: '^[0-9a-f]{16,64}$', description: 'HMAC-SHA256 with the site secret, hex' });
const IsoTime = Type.String({ format: 'date-time' });

export const ImageBlobSchema = Type.Object({
  mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png')]),
  width: Type.Integer({ minimum: 1, maximum: 4096 }),
  height: Type.Integer({ minimum: 1, maximum: 4096 }),
  base64: Type.String({ maxLength: 8_000_000 }),
});

/** The agent's triage of one image (models/triage/triage-policy.ts; docs/hub.md#triage). */
export const TriageSchema = Type.Object(
  {
    tier: Type.Union(TIERS.map((t) => Type.Literal(t))),
    /** Abnormality score: the highest finding probability. */
    score: Type.Number({ minimum: 0, maximum: 1 }),
    /** Finding classes at or above their screening operating point, most probable first. */
    findings: Type.Array(Type.String()),
    /** Finding classes at or above their urgent operating point. */
    urgentFindings: Type.Array(Type.String()),
    /** What the classes mean: the model's finding classes and its normal class (never a finding). */
    findingClasses: Type.Array(Type.String(), { minItems: 1 }),
    normalClass: Type.Optional(Type.String()),
    /** The operating points the tier was computed with, per class (screening; urgent where the model has one). */
    operatingPoints: Type.Record(
      Type.String(),
      Type.Object({ threshold: Type.Number(), urgentThreshold: Type.Optional(Type.Number()) }),
    ),
    /** The site calibration (its hub version) whose operating points replaced the manifest's; absent: the manifest's. */
    calibrationVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type TriageMessage = Static<typeof TriageSchema>;

/**
 * Per finding class, where the model's evidence for it lies: a small grid over the whole image (row-major,
 * `width` × `height`, the model's class activation map resampled into the image's frame), one byte per cell,
 * base64. 0 = no meaningful evidence (the cell's local logit is below the class's screening operating point);
 * 1–255 = from the operating point up to the strongest evidence on this film (agent/screening/activation-map.ts).
 */
export const ActivationSchema = Type.Object(
  {
    width: Type.Integer({ minimum: 1, maximum: 256 }),
    height: Type.Integer({ minimum: 1, maximum: 256 }),
    maps: Type.Record(Type.String(), Type.String({ maxLength: 90_000 })),
  },
  { additionalProperties: false },
);
export type ActivationMessage = Static<typeof ActivationSchema>;

/**
 * A candidate model's output on the same film while the hub shadows it at this site beside production (docs/rollout.md
 * "Live shadow"): its version, calibrated probabilities, the findings it calls, its tier and abnormality score. No
 * pixels. An agent adds it to a result only while its `model/desired` carries `liveShadow`, which only a hub that
 * knows this field sends.
 */
export const ShadowOutputSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 64 }),
    probabilities: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 })),
    flags: Type.Array(Type.String()),
    tier: Type.Union(TIERS.map((t) => Type.Literal(t))),
    score: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type ShadowOutput = Static<typeof ShadowOutputSchema>;

export const ResultMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    /** Idempotency key: sha256(site | image content hash | model version). */
    resultId: Sha256,
    site: Type.String(),
    agent: Type.String(),
    keys: Type.Object({
      image: Key,
      study: Type.Optional(Key),
      series: Type.Optional(Key),
      instance: Type.Optional(Key),
      patient: Type.Optional(Key),
    }),
    receivedAt: IsoTime,
    /** When the image was acquired (DICOM acquisition/content date-time), if the file says. */
    acquiredAt: Type.Optional(IsoTime),
    scoredAt: IsoTime,
    model: Type.Object({ name: Type.String(), version: Type.String(), sha256: Sha256 }),
    runtime: Type.Union([Type.Literal('openvino'), Type.Literal('onnxruntime')]),
    classes: Type.Array(Type.String(), { minItems: 1 }),
    probabilities: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 })),
    /** Finding classes at or above their screening operating point (never the normal class). */
    flags: Type.Array(Type.String()),
    /** Absent only from agents older than the triage policy: the hub then triages with the legacy class roles. */
    triage: Type.Optional(TriageSchema),
    timingsMs: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
    image: Type.Object({
      format: Type.Union([Type.Literal('dicom'), Type.Literal('png'), Type.Literal('jpeg')]),
      modality: Type.Optional(Type.String({ maxLength: 16 })),
      viewPosition: Type.Optional(Type.String({ maxLength: 16 })),
      rows: Type.Integer({ minimum: 1 }),
      cols: Type.Integer({ minimum: 1 }),
      /** Safe header data (docs/viewing.md): no direct identifiers. */
      bodyPart: Type.Optional(Type.String({ maxLength: 16 })),
      projection: Type.Optional(Type.String({ maxLength: 16 })),
      portable: Type.Optional(Type.Boolean()),
      ageBand: Type.Optional(Type.String({ pattern: '^([0-9]{1,3}-[0-9]{1,3}|90\\+)$' })),
      sex: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('O')])),
      /** Whole days between acquisition and scoring. */
      acquiredDaysAgo: Type.Optional(Type.Integer({ minimum: 0 })),
      pixelSpacingMm: Type.Optional(
        Type.Tuple([Type.Number({ exclusiveMinimum: 0 }), Type.Number({ exclusiveMinimum: 0 })]),
      ),
      spacingSource: Type.Optional(Type.Union([Type.Literal('PixelSpacing'), Type.Literal('ImagerPixelSpacing')])),
    }),
    preview: Type.Optional(ImageBlobSchema),
    activation: Type.Optional(ActivationSchema),
    /** Burned-in text handling; present whenever the site's pixel policy lets pixels leave. */
    deid: Type.Optional(PixelDeidSchema),
    /** The lossless image on its way to the hub over HTTPS (pixel policy `diagnostic`). */
    diagnostic: Type.Optional(DiagnosticImageSchema),
    /** The shadowed candidate's output on this film (live shadow only). */
    shadow: Type.Optional(ShadowOutputSchema),
  },
  { additionalProperties: false },
);
export type ResultMessage = Static<typeof ResultMessageSchema>;

export const AckMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    resultId: Sha256,
    status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type AckMessage = Static<typeof AckMessageSchema>;

export const StatusMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    site: Type.String(),
    agent: Type.String(),
    online: Type.Boolean(),
    at: IsoTime,
    agentVersion: Type.Optional(Type.String()),
    uptimeS: Type.Optional(Type.Number({ minimum: 0 })),
    backlog: Type.Optional(Type.Integer({ minimum: 0 })),
    outbox: Type.Optional(Type.Integer({ minimum: 0 })),
    quarantined: Type.Optional(Type.Integer({ minimum: 0 })),
    model: Type.Optional(Type.Object({ version: Type.String(), sha256: Sha256 })),
    runtime: Type.Optional(Type.String()),
    diskFreeBytes: Type.Optional(Type.Number({ minimum: 0 })),
    intakePaused: Type.Optional(Type.Boolean()),
    /** Sent (true) only while the agent's results go out but the hub's acks stopped (docs/agent.md). */
    acksStalled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type StatusMessage = Static<typeof StatusMessageSchema>;

/**
 * Retained, per agent, on `model/desired` (docs/rollout.md): the version the hub wants this agent to run.
 * An agent that was offline gets the latest one when it reconnects. `sha256`/`sizeBytes` describe the
 * package `.tar` at `url` (a capability URL on the hub: only this agent can read the message).
 */
export const ModelDesiredSchema = Type.Object(
  {
    v: Type.Literal(1),
    /** The rollout this assignment belongs to (absent for pins and manual assignments). */
    rolloutId: Type.Optional(Type.String({ maxLength: 64 })),
    name: Type.Optional(Type.String({ maxLength: 128 })),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    /** sha256 of the package `.tar` bytes. */
    sha256: Sha256,
    /** HTTP(S) URL of the package `.tar` on the hub; supports Range requests. */
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    sizeBytes: Type.Integer({ minimum: 1 }),
    /** Score with both models for a while and report agreement before switching. */
    shadow: Type.Optional(Type.Boolean()),
    /**
     * Live shadow (docs/rollout.md): keep `version` active and also score every film with this candidate, adding
     * its output to each result (`shadow`). Absent: no live shadow (one that runs is stopped).
     */
    liveShadow: Type.Optional(
      Type.Object(
        {
          shadowId: Type.String({ maxLength: 64 }),
          name: Type.Optional(Type.String({ maxLength: 128 })),
          version: Type.String({ minLength: 1, maxLength: 64 }),
          sha256: Sha256,
          url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
          sizeBytes: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    issuedAt: Type.Optional(IsoTime),
  },
  { additionalProperties: false },
);
export type ModelDesired = Static<typeof ModelDesiredSchema>;

/**
 * Retained, per agent, on `calibration` (docs/agent.md#site-calibration): the site's current calibration as the
 * trainer signed it (models/triage/site-calibration.ts) and the version the hub gave it. The agent verifies the
 * signature against its trusted keys and uses the operating points only for the site and model version they name.
 * A rollback sends an earlier version again.
 */
export const SiteCalibrationMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    site: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** The site's calibration version on the hub (1, 2, …). */
    version: Type.Integer({ minimum: 1 }),
    modelVersion: Type.String({ minLength: 1, maxLength: 64 }),
    signed: Type.Object(
      {
        payload: Type.String({ maxLength: 65_536 }),
        signature: Type.String({ maxLength: 512 }),
        keyId: Type.String({ maxLength: 128 }),
      },
      { additionalProperties: false },
    ),
    issuedAt: IsoTime,
  },
  { additionalProperties: false },
);
export type SiteCalibrationMessage = Static<typeof SiteCalibrationMessageSchema>;

/** Steps an agent reports while it takes up a desired version; the last three are terminal. */
export const MODEL_STATES = [
  'pending',
  'downloading',
  'verifying',
  'self-test',
  'shadow',
  'active',
  'failed',
  'rolled-back',
] as const;
export type ModelStateName = (typeof MODEL_STATES)[number];

/** On `model/state` (retained): each step of taking up a desired version, and automatic rollbacks. */
export const ModelStateSchema = Type.Object(
  {
    v: Type.Literal(1),
    rolloutId: Type.Optional(Type.String({ maxLength: 64 })),
    /** The version this report is about (the desired one; for `rolled-back`, the one abandoned). */
    version: Type.String(),
    state: Type.Union(MODEL_STATES.map((s) => Type.Literal(s))),
    /** The version the agent scores with right now. */
    activeVersion: Type.Optional(Type.String()),
    /** A CXR_ERR_* code for `failed` and `rolled-back`. */
    code: Type.Optional(Type.String({ maxLength: 64 })),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Download progress. */
    bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    totalBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Shadow-mode agreement with the active model (fraction of images with identical flags), 0..1. */
    agreement: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    shadowImages: Type.Optional(Type.Integer({ minimum: 0 })),
    at: IsoTime,
  },
  { additionalProperties: false },
);
export type ModelStateMessage = Static<typeof ModelStateSchema>;

/** A radiologist's explicit decision on one finding class. */
export const ReadDecisionSchema = Type.Union([Type.Literal('present'), Type.Literal('absent')]);
export type ReadDecision = Static<typeof ReadDecisionSchema>;

/**
 * hub → agent on `report` (QoS 1; docs/clinic.md): a signed read of one result, sent to the agent that produced
 * it. `version` 1 is the original read, 2+ an addendum; each version carries the read as it stands then, and the
 * clinic keeps every version. Kept on the hub until the agent acks it on `report/ack`; idempotent by
 * (resultId, version). No PHI: the agent finds the patient and study in its own identity store by `resultId`
 * (and `keys.image`).
 */
export const ClinicReportSchema = Type.Object(
  {
    v: Type.Literal(1),
    resultId: Sha256,
    site: Type.String(),
    agent: Type.String(),
    keys: Type.Object({ image: Key, study: Type.Optional(Key) }, { additionalProperties: false }),
    version: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** The signing radiologist's display name. */
    reader: Type.String({ minLength: 1, maxLength: 200 }),
    signedAt: IsoTime,
    /** Per finding class, the radiologist's decision. */
    findings: Type.Record(Type.String({ maxLength: 128 }), ReadDecisionSchema),
    impression: Type.String({ maxLength: 20_000 }),
    /** What this addendum adds (version 2+). */
    addendum: Type.Optional(Type.String({ maxLength: 20_000 })),
    /** The AI triage of the study, as the radiologist saw it. */
    triage: Type.Object(
      {
        tier: Type.Union(TIERS.map((t) => Type.Literal(t))),
        score: Type.Number({ minimum: 0, maximum: 1 }),
        probabilities: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 })),
      },
      { additionalProperties: false },
    ),
    model: Type.Optional(Type.Object({ name: Type.String(), version: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ClinicReport = Static<typeof ClinicReportSchema>;

/** agent → hub on `report/ack`: the report is stored at the clinic (or refused for good); the hub may forget it. */
export const ReportAckSchema = Type.Object(
  {
    v: Type.Literal(1),
    resultId: Sha256,
    version: Type.Integer({ minimum: 1, maximum: 10_000 }),
    status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type ReportAck = Static<typeof ReportAckSchema>;
