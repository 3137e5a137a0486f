/**
 * Site calibration on the agent (pure; docs/agent.md#site-calibration). In: a `calibration` message from the hub,
 * the agent's site and trusted keys (`accept`), then the held calibration and the manifest of the model a film is
 * scored with (`operatingPointsFor`). Out: the held calibration (hub version, model version, thresholds), and for
 * one film the full set of thresholds to triage with — the manifest's, with the site's screening operating points
 * in place of the manifest's — plus the calibration version the result carries; undefined when the calibration is
 * for another model version (the manifest's operating points apply). Bad input throws: a signature by no trusted
 * key is CXR_ERR_CALIBRATION_UNTRUSTED; another site, a payload that disagrees with the message, or operating
 * points the model cannot use (a class it does not have, a finding without a threshold) are
 * CXR_ERR_CALIBRATION_INVALID.
 */
import { CxrError } from '../../models/errors.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import { triageRoles } from '../../models/triage/class-roles.ts';
import { type SignedCalibration, verifySiteCalibration } from '../../models/triage/site-calibration.ts';
import type { SiteCalibrationMessage } from '../../protocol/messages.ts';

export interface HeldCalibration {
  /** The hub's version of the site's calibration. */
  version: number;
  site: string;
  modelVersion: string;
  thresholds: Manifest['thresholds'];
  /** Exactly as the trainer signed it, so it is verified again when read back from disk. */
  signed: SignedCalibration;
}

export interface SiteOperatingPoints {
  calibrationVersion: number;
  thresholds: Manifest['thresholds'];
}

const invalid = (message: string) => new CxrError('CXR_ERR_CALIBRATION_INVALID', message);

/** Verifies a calibration message for this agent's site; throws as the header says. */
export function acceptCalibration(
  message: Pick<SiteCalibrationMessage, 'site' | 'version' | 'modelVersion' | 'signed'>,
  site: string,
  trustedPublicKeysPem: readonly string[],
): HeldCalibration {
  const calibration = verifySiteCalibration(message.signed, trustedPublicKeysPem);
  if (calibration.site !== site || message.site !== site) {
    throw invalid(`site calibration is for site ${calibration.site}, this agent is at ${site}`);
  }
  if (calibration.modelVersion !== message.modelVersion) {
    throw invalid(
      `the message names model ${message.modelVersion}, the signed calibration ${calibration.modelVersion}`,
    );
  }
  const thresholds: Manifest['thresholds'] = {};
  for (const [name, point] of Object.entries(calibration.thresholds)) {
    thresholds[name] = { threshold: point.threshold, chosenOn: point.chosenOn };
  }
  return { version: message.version, site, modelVersion: calibration.modelVersion, thresholds, signed: message.signed };
}

/**
 * The thresholds to triage a film with under `held`, or undefined when it is for another model version. Throws
 * CXR_ERR_CALIBRATION_INVALID when the model cannot use them.
 */
export function operatingPointsFor(
  held: HeldCalibration | undefined,
  manifest: Pick<Manifest, 'version' | 'classes' | 'thresholds' | 'triage'>,
): SiteOperatingPoints | undefined {
  if (!held || held.modelVersion !== manifest.version) return undefined;
  for (const name of Object.keys(held.thresholds)) {
    if (!manifest.classes.includes(name)) throw invalid(`operating point for "${name}", which the model does not have`);
  }
  const thresholds = { ...manifest.thresholds, ...held.thresholds };
  try {
    triageRoles(manifest, thresholds);
  } catch (cause) {
    throw new CxrError('CXR_ERR_CALIBRATION_INVALID', `site calibration does not fit the model: ${String(cause)}`, {
      cause,
    });
  }
  return { calibrationVersion: held.version, thresholds };
}
