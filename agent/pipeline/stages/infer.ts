/**
 * Infer stage. In: a DecodedFile (with its model input) and the file's model lease (agent/model/model-slot.ts). Out: an InferredFile —
 * the model's output (probabilities, class activation maps, the gate's extra outputs) and the calibrated
 * probabilities the thresholds apply to (models/package/calibration.ts). Inference is batched across files by
 * the lease's micro-batcher (agent/screening/batcher.ts) and runs in the runtime's own threads. A runtime
 * failure throws (internal: the file is retried with backoff).
 */
import { calibrateProbabilities } from '../../../models/package/calibration.ts';
import type { ModelOutput } from '../../../models/runtime/types.ts';
import type { ModelLease } from '../../model/model-slot.ts';
import type { DecodedFile } from './decode.ts';

export interface InferredFile extends DecodedFile {
  output: ModelOutput;
  /** Calibrated, one per manifest class. */
  probabilities: Float32Array;
}

export async function infer(prepared: DecodedFile, lease: ModelLease): Promise<InferredFile> {
  const output = await lease.infer(prepared.input, prepared.image);
  return { ...prepared, output, probabilities: calibrateProbabilities(lease.manifest, output.probabilities) };
}
