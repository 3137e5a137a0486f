/**
 * Check stage: the not-a-chest gate (models/package/chest-gate.ts), before and after inference. In: a decoded
 * film and the model's manifest; after inference, the model's output too. Out: nothing (go on), or a quarantine
 * verdict: CXR_ERR_AGENT_NOT_CHEST (the tags name another anatomy or modality), CXR_ERR_LATERAL_VIEW,
 * CXR_ERR_NOT_CHEST_XRAY (a near-uniform, colour or mostly flat image; the gate head or the feature distance says it
 * is no chest film); then, for an image refused after inference, CXR_ERR_FILM_ORIENTATION when the model input
 * turned or inverted passes the gate (models/package/film-orientation.ts: a chest film on its side, upside down or
 * negative; 4 more inferences, only for refused images).
 */
import { inputGate } from '../../../models/package/chest-gate.ts';
import { outputGateOriented } from '../../../models/package/film-orientation.ts';
import type { Manifest } from '../../../models/package/manifest.ts';
import type { ModelOutput } from '../../../models/runtime/types.ts';
import type { ModelLease } from '../../model/model-slot.ts';
import { quarantine, type Verdict } from '../verdict.ts';
import type { DecodedFile } from './decode.ts';

export function checkInput(decoded: DecodedFile, manifest: Pick<Manifest, 'gate'>): Verdict | undefined {
  const { source, image } = decoded;
  if (!image.isChest) {
    const why = image.notChestReason ?? 'unknown';
    return quarantine(source, 'CXR_ERR_AGENT_NOT_CHEST', `not a chest radiograph: ${why}`);
  }
  const gate = inputGate(manifest, image, decoded.stats);
  return gate.ok ? undefined : quarantine(source, gate.code, gate.reason);
}

export async function checkOutput(
  scored: DecodedFile & { output: ModelOutput },
  lease: Pick<ModelLease, 'manifest' | 'probe'>,
): Promise<Verdict | undefined> {
  const { manifest } = lease;
  const gate = await outputGateOriented(manifest, scored.image, scored.input, scored.output, (copy) =>
    lease.probe(copy),
  );
  return gate.ok ? undefined : quarantine(scored.source, gate.code, gate.reason);
}
