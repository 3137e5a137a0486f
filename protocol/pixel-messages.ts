/**
 * Pixels that leave the clinic, apart from the result message: what was masked of burned-in text, and the lossless
 * diagnostic image uploaded over HTTPS (docs/viewing.md). JSON Schema (TypeBox) as in messages.ts; never PHI.
 */
import { type Static, Type } from '@sinclair/typebox';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** A rectangle in image pixels (the film as acquired: x to the right, y down). */
export const BoxSchema = Type.Object(
  {
    x: Type.Integer({ minimum: 0 }),
    y: Type.Integer({ minimum: 0 }),
    w: Type.Integer({ minimum: 1 }),
    h: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

/**
 * What the agent did about burned-in text before any pixels left (models/deid/deidentify-pixels.ts;
 * docs/viewing.md): boxes masked in every image sent, laterality markers left, or why no pixels left.
 * Never the text itself.
 */
export const PixelDeidSchema = Type.Object(
  {
    burnedInAnnotation: Type.Optional(Type.Union([Type.Literal('YES'), Type.Literal('NO')])),
    pixels: Type.Union([Type.Literal('sent'), Type.Literal('withheld')]),
    reason: Type.Optional(
      Type.Union([
        Type.Literal('burned-in-annotation'),
        Type.Literal('burned-in-undetected'),
        Type.Literal('detector-failed'),
      ]),
    ),
    masked: Type.Array(BoxSchema, { maxItems: 1000 }),
    keptMarkers: Type.Array(BoxSchema, { maxItems: 100 }),
    detector: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type PixelDeid = Static<typeof PixelDeidSchema>;

/**
 * The lossless diagnostic image of a result (docs/viewing.md): a grey PNG (8 or 16 bits) uploaded apart from
 * the result over HTTPS, content-addressed by its sha256. `slope`/`intercept` map samples to modality values;
 * `window` is the default window in modality values; `invert` shows it inverted (MONOCHROME1).
 */
export const DiagnosticImageSchema = Type.Object(
  {
    sha256: Sha256,
    sizeBytes: Type.Integer({ minimum: 1 }),
    mime: Type.Literal('image/png'),
    width: Type.Integer({ minimum: 1, maximum: 65535 }),
    height: Type.Integer({ minimum: 1, maximum: 65535 }),
    bitsStored: Type.Integer({ minimum: 1, maximum: 16 }),
    slope: Type.Number(),
    intercept: Type.Number(),
    window: Type.Object(
      { center: Type.Number(), width: Type.Number({ exclusiveMinimum: 0 }) },
      { additionalProperties: false },
    ),
    invert: Type.Boolean(),
    pixelSpacingMm: Type.Optional(
      Type.Tuple([Type.Number({ exclusiveMinimum: 0 }), Type.Number({ exclusiveMinimum: 0 })]),
    ),
    spacingSource: Type.Optional(Type.Union([Type.Literal('PixelSpacing'), Type.Literal('ImagerPixelSpacing')])),
  },
  { additionalProperties: false },
);
export type DiagnosticImage = Static<typeof DiagnosticImageSchema>;

/** agent → hub, over HTTPS (not MQTT): announces an upload of a result's diagnostic image. */
export const DiagnosticUploadSchema = Type.Object(
  { v: Type.Literal(1), resultId: Sha256, image: DiagnosticImageSchema },
  { additionalProperties: false },
);
export type DiagnosticUpload = Static<typeof DiagnosticUploadSchema>;
