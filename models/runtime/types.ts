/** The one inference interface; OpenVINO and ONNX Runtime implement it (models/runtime/*). */
import type { ModelInput } from '../preprocess/input-spec.ts';

export type RuntimeName = 'openvino' | 'onnxruntime';
export type RuntimeChoice = RuntimeName | 'auto';

export interface ModelOutput {
  /** Sigmoid probabilities, one per manifest class, in manifest order. */
  probabilities: Float32Array;
  /** Class activation maps: classes x camSize x camSize, row-major, raw (not normalised). */
  cam: Float32Array;
  camSize: number;
  /** The manifest's `outputs.extra` (e.g. the not-a-chest gate's head and embedding), flattened per image. */
  extra?: Record<string, Float32Array>;
}

export interface InferenceSession {
  readonly runtime: RuntimeName;
  /** Runs a batch; resolves without blocking the event loop. */
  infer(batch: readonly ModelInput[]): Promise<ModelOutput[]>;
  close(): Promise<void>;
}
