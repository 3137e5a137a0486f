/**
 * OpenVINO implementation of OnnxModel (onnx-model.ts), through the C API (openvino-ffi.ts), for a model whose
 * input comes in a few shapes. In: the loaded API, the ONNX file's path, the shapes to compile at open and how
 * many compiled shapes to keep. Out: `run(data, dims)` resolving the first output's values and dims.
 * How it runs:
 * - the file is read once (OpenVINO reads ONNX directly; the input and output names come from its graph, via
 *   onnx-proto); each input shape not seen yet is a reshape to that static shape and a compile for CPU with one
 *   inference thread, one stream, f32 and no core pinning (several such models share the machine's cores with
 *   the agent's other threads), kept in a least-recently-used cache of `shapesKept` compiled models. A static
 *   shape runs faster than a dynamic one on the CPU plugin, and films of one modality share a few shapes; each
 *   compiled shape holds its own buffers (docs/viewing.md has the figures);
 * - each compiled shape has one infer request whose input and output tensors it owns, written and read through
 *   views of their memory; `ov_infer_request_infer` runs on a koffi worker thread, so the event loop never blocks;
 * - calls run one at a time, in order (call-queue.ts); `close()` waits for them, then frees every compiled shape, the model
 *   and the core. A failing call rejects with CXR_ERR_OPENVINO_CALL and leaves the model usable.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { CxrError } from '../errors.ts';
import { CallQueue } from './call-queue.ts';
import type { OnnxModel, TensorValues } from './onnx-model.ts';
import type { OpenVinoApi, Ptr } from './openvino-ffi.ts';

export interface OpenVinoModelOptions {
  warmShapes: readonly (readonly number[])[];
  shapesKept: number;
  /** Inference threads (default 1). */
  threads?: number;
}

interface CompiledShape {
  compiled: Ptr;
  request: Ptr;
  tensors: Ptr[];
  input: Float32Array;
  output: Float32Array;
  outputDims: number[];
}

/** CPU compile properties: one stream, f32, no core pinning, `threads` inference threads. */
export function compileProperties(threads = 1): Record<string, string> {
  return {
    PERFORMANCE_HINT: 'LATENCY',
    INFERENCE_NUM_THREADS: String(Math.max(1, Math.floor(threads))),
    NUM_STREAMS: '1',
    INFERENCE_PRECISION_HINT: 'f32',
    ENABLE_CPU_PINNING: 'NO',
  };
}

/** The graph's first input (initializers listed as inputs, as older exporters do, left out) and first output. */
export function ioNames(path: string): { input: string; output: string } {
  const graph = onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const input = (graph?.input ?? []).find((v) => v.name && !initializers.has(v.name))?.name;
  const output = graph?.output?.[0]?.name;
  if (!input || !output) {
    throw new CxrError('CXR_ERR_OPENVINO_CALL', `${path}: the ONNX graph names no input or no output`, {
      kind: 'internal',
    });
  }
  return { input, output };
}

/** An input of the wrong length for its dims: the caller's bug, reported before OpenVINO reads past a buffer. */
export function checkInputLength(data: Float32Array, expected: number, dims: readonly number[]): void {
  if (data.length !== expected) {
    throw new CxrError('CXR_ERR_OPENVINO_CALL', `input of ${data.length} values for shape [${dims.join(',')}]`, {
      kind: 'internal',
    });
  }
}

export class OpenVinoModel implements OnnxModel {
  readonly runtime = 'openvino' as const;
  /** Map order is use order: the first entry is the least recently used. */
  private readonly shapes = new Map<string, CompiledShape>();
  private readonly calls = new CallQueue('ONNX model');

  private constructor(
    private readonly api: OpenVinoApi,
    private readonly core: Ptr,
    private readonly model: Ptr,
    private readonly names: { input: string; output: string },
    private readonly shapesKept: number,
    private readonly properties: Record<string, string>,
  ) {}

  static async open(api: OpenVinoApi, path: string, options: OpenVinoModelOptions): Promise<OpenVinoModel> {
    const names = ioNames(path);
    const core = api.coreCreate();
    let model: Ptr | undefined;
    try {
      model = api.readModel(core, path);
      const opened = new OpenVinoModel(
        api,
        core,
        model,
        names,
        Math.max(1, options.shapesKept),
        compileProperties(options.threads),
      );
      for (const dims of options.warmShapes) await opened.compiledFor(dims);
      return opened;
    } catch (error) {
      if (model !== undefined) api.modelFree(model);
      api.coreFree(core);
      throw error;
    }
  }

  run(data: Float32Array, dims: readonly number[]): Promise<TensorValues> {
    return this.calls.run(async () => {
      const shape = await this.compiledFor(dims);
      checkInputLength(data, shape.input.length, dims);
      shape.input.set(data);
      this.api.check(await this.api.inferAsync(shape.request), 'infer');
      return { data: shape.output.slice(), dims: [...shape.outputDims] };
    });
  }

  async close(): Promise<void> {
    if (!(await this.calls.close())) return;
    for (const shape of this.shapes.values()) this.free(shape);
    this.shapes.clear();
    this.api.modelFree(this.model);
    this.api.coreFree(this.core);
  }

  private async compiledFor(dims: readonly number[]): Promise<CompiledShape> {
    const key = dims.join('x');
    const known = this.shapes.get(key);
    if (known) {
      this.shapes.delete(key);
      this.shapes.set(key, known);
      return known;
    }
    const { api } = this;
    api.reshapeInput(this.model, this.names.input, dims);
    const compiled = await api.compileModel(this.core, this.model, 'CPU', this.properties);
    const shape: CompiledShape = {
      compiled,
      request: 0n,
      tensors: [],
      input: new Float32Array(0),
      output: new Float32Array(0),
      outputDims: [],
    };
    try {
      shape.request = api.createInferRequest(compiled);
      const own = api.getTensor(shape.request, this.names.output);
      const f32 = api.tensorElementType(own);
      shape.outputDims = api.tensorDims(own);
      api.tensorFree(own);
      const input = api.createTensor(f32, dims);
      shape.tensors.push(input.tensor);
      const output = api.createTensor(f32, shape.outputDims);
      shape.tensors.push(output.tensor);
      api.setTensor(shape.request, this.names.input, input.tensor);
      api.setTensor(shape.request, this.names.output, output.tensor);
      shape.input = input.view;
      shape.output = output.view;
    } catch (error) {
      this.free(shape);
      throw error;
    }
    this.shapes.set(key, shape);
    const oldest = this.shapes.keys().next().value;
    if (this.shapes.size > this.shapesKept && oldest !== undefined) {
      this.free(this.shapes.get(oldest) as CompiledShape);
      this.shapes.delete(oldest);
    }
    return shape;
  }

  private free(shape: CompiledShape): void {
    for (const tensor of shape.tensors) this.api.tensorFree(tensor);
    if (shape.request) this.api.inferRequestFree(shape.request);
    this.api.compiledModelFree(shape.compiled);
  }
}
