/**
 * Shadow stage (docs/rollout.md "Live shadow"): while the hub shadows a candidate at this site, the candidate scores
 * the same film after the active model. In: the inferred film (its decoded image and the active model's input) and
 * the file's lease on the live shadow (agent/model/live-shadow.ts), taken with the model's before the decode so
 * the decode knows whether to keep the pixels (`needsPixels`); the caller releases it. Out: the candidate's output as the protocol carries it — version,
 * calibrated probabilities, findings, tier and abnormality score (models/triage); no pixels — or undefined when no
 * shadow runs. The film is preprocessed for the candidate's own input spec (the active model's input is reused when
 * the specs are the same). A candidate that fails on a film is logged with its code and the result goes without a
 * shadow output: the shadow never holds back or changes production's result.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../../models/errors.ts';
import { calibrateProbabilities } from '../../../models/package/calibration.ts';
import type { Manifest } from '../../../models/package/manifest.ts';
import { preprocess } from '../../../models/preprocess/preprocess.ts';
import { triageRoles } from '../../../models/triage/class-roles.ts';
import { triage } from '../../../models/triage/triage-policy.ts';
import type { ShadowOutput } from '../../../protocol/messages.ts';
import type { ShadowLease } from '../../model/live-shadow.ts';
import { probabilitiesOf } from '../../screening/result-builder.ts';
import type { InferredFile } from './infer.ts';

/** The candidate's calibrated output as a protocol shadow output (pure). */
export function shadowOutputOf(
  manifest: Pick<Manifest, 'version' | 'classes' | 'thresholds' | 'triage' | 'calibration'>,
  raw: ArrayLike<number>,
): ShadowOutput {
  const probabilities = probabilitiesOf(manifest.classes, calibrateProbabilities(manifest, raw));
  const t = triage(triageRoles(manifest), probabilities);
  return { version: manifest.version, probabilities, flags: t.findings, tier: t.tier, score: t.score };
}

function sameInput(lease: ShadowLease, active: Pick<Manifest, 'input'>): boolean {
  return JSON.stringify(lease.manifest.input) === JSON.stringify(active.input);
}

/** Whether the candidate needs the film's pixels: it reads another input than the active model. */
export function needsPixels(lease: ShadowLease | undefined, active: Pick<Manifest, 'input'>): boolean {
  return lease !== undefined && !sameInput(lease, active);
}

export async function shadowScore(
  inferred: InferredFile,
  activeInput: Pick<Manifest, 'input'>,
  lease: ShadowLease | undefined,
  log: Logger,
): Promise<ShadowOutput | undefined> {
  if (!lease) return undefined;
  try {
    const { pixels } = inferred.image;
    let input = inferred.input;
    if (!sameInput(lease, activeInput)) {
      if (!pixels) throw new Error('the decode stage was not asked to keep the pixels for the shadow');
      input = preprocess({ ...inferred.image, pixels }, lease.manifest.input);
    }
    const output = await lease.infer(input);
    return shadowOutputOf(lease.manifest, output.probabilities);
  } catch (thrown) {
    const error = asCxrError(thrown);
    log.warn({ shadow: lease.manifest.version, code: error.code, err: error.message }, 'live shadow failed on a film');
    return undefined;
  }
}
