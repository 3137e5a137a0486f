/**
 * One ONNX model with one float32 input and one float32 output, run on OpenVINO when its library loads and
 * compiles the model, else on ONNX Runtime (both CPU, one inference thread unless `threads` says more: callers
 * such as the agent's pixel workers are the parallelism). For models outside a signed package whose input shape changes from call to
 * call, e.g. the burned-in text detector (models/deid/text-detector.ts).
 * In: the ONNX file's path and options. Out: an OnnxModel whose `run(data, dims)` resolves the first output's
 * values and dims, and `reason`, which says which runtime runs it and why. `auto` falls back to ONNX Runtime when
 * OpenVINO is missing, does not load, or cannot compile the model (for `warmShapes`, or with its dynamic axes);
 * asking for `openvino` fails with CXR_ERR_OPENVINO_UNAVAILABLE instead. A file neither runtime opens throws what
 * ONNX Runtime throws.
 */
import { asCxrError, CxrError } from '../errors.ts';
import { OnnxRuntimeModel } from './onnxruntime-model.ts';
import { openVinoApi } from './open-session.ts';
import { OpenVinoDynamicModel } from './openvino-dynamic-model.ts';
import { OpenVinoModel } from './openvino-model.ts';
import type { RuntimeChoice, RuntimeName } from './types.ts';

export interface TensorValues {
  data: Float32Array;
  dims: number[];
}

export interface OnnxModel {
  readonly runtime: RuntimeName;
  /** Runs the model on one input; calls run one at a time, in order. The values are the caller's to keep. */
  run(data: Float32Array, dims: readonly number[]): Promise<TensorValues>;
  /** Waits for queued calls, then frees the model. */
  close(): Promise<void>;
}

export interface OnnxModelOptions {
  runtime: RuntimeChoice;
  /**
   * OpenVINO: `per-shape` (default) compiles each new input shape as a static one, fastest per call, for inputs
   * that come in a few shapes (openvino-model.ts); `dynamic` compiles once with the file's dynamic axes, for
   * inputs whose shape changes nearly every call (openvino-dynamic-model.ts).
   */
  shapes?: 'per-shape' | 'dynamic';
  /** `per-shape`: input shapes compiled at open, so a model that cannot run fails here, not on a first call,
   * and the first calls do not wait for a compile. */
  warmShapes?: readonly (readonly number[])[];
  /** Path to libopenvino_c.so*; default: env CXR_OPENVINO_LIB, the project venv, system paths. */
  openvinoLibPath?: string;
  /** OpenVINO `per-shape`: compiled input shapes kept, least recently used dropped first (each holds its own
   * intermediate buffers: about 65 MB for the text detector at 640²). Default 4. */
  shapesKept?: number;
  /** Inference threads, default 1. */
  threads?: number;
}

export interface OpenedOnnxModel {
  model: OnnxModel;
  reason: string;
}

async function openOnOpenVino(path: string, options: OnnxModelOptions): Promise<OnnxModel> {
  const api = openVinoApi(options.openvinoLibPath);
  try {
    if (options.shapes === 'dynamic') return await OpenVinoDynamicModel.open(api, path, options.threads);
    return await OpenVinoModel.open(api, path, {
      warmShapes: options.warmShapes ?? [],
      shapesKept: options.shapesKept ?? 4,
      ...(options.threads ? { threads: options.threads } : {}),
    });
  } catch (cause) {
    throw new CxrError(
      'CXR_ERR_OPENVINO_UNAVAILABLE',
      `OpenVINO ${api.version} cannot run ${path}: ${asCxrError(cause).message}`,
      { kind: 'input', cause },
    );
  }
}

export async function openOnnxModel(path: string, options: OnnxModelOptions): Promise<OpenedOnnxModel> {
  if (options.runtime === 'openvino')
    return { model: await openOnOpenVino(path, options), reason: 'openvino (requested)' };
  if (options.runtime === 'onnxruntime') {
    return { model: await OnnxRuntimeModel.open(path, options.threads), reason: 'onnxruntime (requested)' };
  }
  try {
    const model = await openOnOpenVino(path, options);
    return { model, reason: 'openvino (auto: OpenVINO runtime loaded)' };
  } catch (cause) {
    const model = await OnnxRuntimeModel.open(path, options.threads);
    return { model, reason: `onnxruntime (auto: fell back because ${asCxrError(cause).message})` };
  }
}
