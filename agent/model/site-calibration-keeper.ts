/**
 * Keeps the site's calibration (docs/agent.md#site-calibration). In: `calibration` messages from the hub (through
 * agent/sync/handle-calibration.ts) and, at start, the file kept from before. Out: for each film, the operating
 * points to triage with (`forManifest`, read by the result stage). A verified calibration is written atomically to
 * `<dataDir>/site-calibration.json` (agent/store/durable-file.ts) before it is used, so a restart keeps it; one for
 * a model version the agent does not run is kept (it applies once that version is active) and logged as ignored
 * for now. Refused messages (untrusted signature, another site, operating points the model cannot use) are logged
 * with their code and change nothing. Log lines carry versions and codes only, never PHI.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { SiteCalibrationMessage } from '../../protocol/messages.ts';
import {
  acceptCalibration,
  type HeldCalibration,
  operatingPointsFor,
  type SiteOperatingPoints,
} from '../screening/site-operating-points.ts';
import { writeDurably } from '../store/durable-file.ts';

export const CALIBRATION_FILE = 'site-calibration.json';

type ManifestFacts = Pick<Manifest, 'version' | 'classes' | 'thresholds' | 'triage'>;

export interface SiteCalibrationKeeperDeps {
  dataDir: string;
  site: string;
  trustedPublicKeysPem: readonly string[];
  /** The manifest of the model new films are scored with. */
  activeManifest(): ManifestFacts;
  log: Logger;
}

export class SiteCalibrationKeeper {
  readonly #deps: SiteCalibrationKeeperDeps;
  #held: HeldCalibration | undefined;
  /** The model version a misfit was last logged for, so it is logged once, not per film. */
  #misfitLogged: string | undefined;

  constructor(deps: SiteCalibrationKeeperDeps) {
    this.#deps = deps;
  }

  get held(): HeldCalibration | undefined {
    return this.#held;
  }

  /** Reads the kept calibration, verifying it again; a missing file means none, a bad one is logged and dropped. */
  async load(): Promise<void> {
    const path = join(this.#deps.dataDir, CALIBRATION_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return;
    }
    try {
      const kept = JSON.parse(text) as Pick<SiteCalibrationMessage, 'site' | 'version' | 'modelVersion' | 'signed'>;
      this.#held = acceptCalibration(kept, this.#deps.site, this.#deps.trustedPublicKeysPem);
      this.#deps.log.info(
        { calibrationVersion: this.#held.version, modelVersion: this.#held.modelVersion },
        'site calibration loaded',
      );
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_CALIBRATION_INVALID');
      this.#deps.log.error({ code: error.code, err: error.message }, 'kept site calibration refused; not used');
    }
  }

  /** Verifies, keeps durably, then uses a calibration from the hub; resolves once it is kept (or refused). */
  async receive(message: SiteCalibrationMessage): Promise<void> {
    const { log } = this.#deps;
    let held: HeldCalibration;
    try {
      held = acceptCalibration(message, this.#deps.site, this.#deps.trustedPublicKeysPem);
      const active = this.#deps.activeManifest();
      if (held.modelVersion === active.version) operatingPointsFor(held, active); // throws when it does not fit
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_CALIBRATION_INVALID');
      log.warn(
        { code: error.code, err: error.message, calibrationVersion: message.version },
        'site calibration refused',
      );
      return;
    }
    if (this.#held?.version === held.version && this.#held.signed.signature === held.signed.signature) return;
    const kept = { site: held.site, version: held.version, modelVersion: held.modelVersion, signed: held.signed };
    try {
      const path = join(this.#deps.dataDir, CALIBRATION_FILE);
      await writeDurably(dirname(path), CALIBRATION_FILE, Buffer.from(JSON.stringify(kept)));
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_AGENT_CALIBRATION_WRITE');
      log.error({ code: error.code, err: error.message }, 'site calibration not kept; the hub sends it again');
      return;
    }
    this.#held = held;
    this.#misfitLogged = undefined;
    const active = this.#deps.activeManifest().version;
    if (held.modelVersion === active) {
      log.info({ calibrationVersion: held.version, modelVersion: held.modelVersion }, 'site calibration in use');
    } else {
      log.warn(
        { calibrationVersion: held.version, modelVersion: held.modelVersion, activeVersion: active },
        'site calibration is for another model version: ignored while this one is active',
      );
    }
  }

  /** The operating points for a film scored with `manifest`; undefined: the manifest's own. */
  forManifest(manifest: ManifestFacts): SiteOperatingPoints | undefined {
    try {
      return operatingPointsFor(this.#held, manifest);
    } catch (thrown) {
      if (this.#misfitLogged !== manifest.version) {
        this.#misfitLogged = manifest.version;
        const error = asCxrError(thrown, 'CXR_ERR_CALIBRATION_INVALID');
        this.#deps.log.warn({ code: error.code, err: error.message }, "site calibration not used: the manifest's is");
      }
      return undefined;
    }
  }
}
