/**
 * A site calibration (docs/hub.md#site-calibration): one site's own screening operating points for one model
 * version, chosen by the trainer from that site's signed reads at a target sensitivity, signed with the trainer's
 * Ed25519 key like a model package. The agent hands `thresholds` to `triageRoles(manifest, thresholds)` in place of
 * the manifest's. In: the payload and a private key (sign), or the signed text and the trusted keys (verify). Out:
 * the signed form `{payload (exact JSON text), signature, keyId}`, or the checked payload. A payload that is not
 * valid is CXR_ERR_CALIBRATION_INVALID; a signature by no trusted key or that does not verify is
 * CXR_ERR_CALIBRATION_UNTRUSTED.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CxrError } from '../errors.ts';
import { keyId, publicKeyOf, signBytes, verifyBytes } from '../package/keys.ts';

export const SiteCalibrationSchema = Type.Object({
  site: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  modelName: Type.String(),
  modelVersion: Type.String(),
  /** Per class: the operating point, and what it reached on the site's reads. */
  thresholds: Type.Record(
    Type.String(),
    Type.Object({
      threshold: Type.Number({ minimum: 0, maximum: 1 }),
      chosenOn: Type.String(),
      targetSensitivity: Type.Optional(Type.Number()),
      sensitivity: Type.Optional(Type.Number()),
      specificity: Type.Optional(Type.Number()),
    }),
  ),
  /** How many signed reads of the site it was chosen on. */
  reads: Type.Integer({ minimum: 0 }),
  createdAt: Type.String(),
});
export type SiteCalibration = Static<typeof SiteCalibrationSchema>;
const checker = TypeCompiler.Compile(SiteCalibrationSchema);

export interface SignedCalibration {
  payload: string;
  signature: string;
  keyId: string;
}

export function signSiteCalibration(calibration: SiteCalibration, privateKeyPem: string): SignedCalibration {
  const payload = JSON.stringify(calibration);
  return {
    payload,
    signature: signBytes(Buffer.from(payload), privateKeyPem),
    keyId: keyId(publicKeyOf(privateKeyPem)),
  };
}

export function verifySiteCalibration(
  signed: SignedCalibration,
  trustedPublicKeysPem: readonly string[],
): SiteCalibration {
  const key = trustedPublicKeysPem.find((pem) => keyId(pem) === signed.keyId);
  if (!key || !verifyBytes(Buffer.from(signed.payload), signed.signature, key)) {
    throw new CxrError(
      'CXR_ERR_CALIBRATION_UNTRUSTED',
      `site calibration signed by untrusted or wrong key ${signed.keyId}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(signed.payload);
  } catch (cause) {
    throw new CxrError('CXR_ERR_CALIBRATION_INVALID', 'site calibration payload is not JSON', { cause });
  }
  if (!checker.Check(value)) {
    const first = [...checker.Errors(value)][0];
    throw new CxrError('CXR_ERR_CALIBRATION_INVALID', `site calibration: ${first?.path ?? ''} ${first?.message ?? ''}`);
  }
  return value;
}
