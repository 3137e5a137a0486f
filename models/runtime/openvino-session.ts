/**
 * OpenVINO implementation of `InferenceSession` through the C API (models/runtime/openvino-ffi.ts).
 *
 * In: a verified model package and options. Out: a session whose `infer(batch)` resolves per-image
 * probabilities and CAMs. How it runs:
 * - reads model.onnx directly, reshapes the input to a static [1, C, H, W] and compiles for CPU with
 *   PERFORMANCE_HINT (LATENCY: one infer request; THROUGHPUT: OPTIMAL_NUMBER_OF_INFER_REQUESTS requests),
 *   INFERENCE_PRECISION_HINT f32 (CPUs with bf16 would otherwise default to bf16 and drift ~1e-3) and
 *   CACHE_DIR when given, so a restart loads the compiled blob instead of recompiling;
 * - a batch is spread over the infer requests, one image each (as benchmark_app does); every request owns
 *   its input/output tensors, created once and written/read through views of their memory, so an inference
 *   allocates nothing native;
 * - `ov_infer_request_infer` runs on a koffi worker thread (`.async`): the event loop never blocks and stays
 *   alive while requests are in flight;
 * - `close()` waits for in-flight requests, then frees tensors, requests, compiled model and core.
 */
import { CxrError } from '../errors.ts';
import type { ModelPackage } from '../package/load-package.ts';
import type { ModelInput } from '../preprocess/input-spec.ts';
import { checkBatch } from './check-batch.ts';
import type { OpenVinoApi, Ptr } from './openvino-ffi.ts';
import type { InferenceSession, ModelOutput } from './types.ts';

export interface OpenVinoSessionOptions {
  mode: 'latency' | 'throughput';
  cacheDir?: string;
  /** Override the number of infer requests (throughput mode). */
  requests?: number;
}

interface Slot {
  request: Ptr;
  input: Float32Array;
  probabilities: Float32Array;
  cam: Float32Array;
  /** Views of the manifest's extra outputs, in `outputs.extra` order. */
  extra: Float32Array[];
  tensors: Ptr[];
}

export class OpenVinoSession implements InferenceSession {
  readonly runtime = 'openvino' as const;
  readonly requestCount: number;
  private readonly idle: Slot[];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private inFlight = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  private constructor(
    private readonly api: OpenVinoApi,
    private readonly core: Ptr,
    private readonly compiled: Ptr,
    private readonly slots: Slot[],
    private readonly pkg: ModelPackage,
    readonly camSize: number,
  ) {
    this.idle = [...slots];
    this.requestCount = slots.length;
  }

  static async open(api: OpenVinoApi, pkg: ModelPackage, options: OpenVinoSessionOptions): Promise<OpenVinoSession> {
    const { size, channels } = pkg.manifest.input;
    const names = pkg.manifest.outputs;
    const core = api.coreCreate();
    const slots: Slot[] = [];
    let compiled: Ptr | undefined;
    try {
      const model = api.readModel(core, pkg.modelPath);
      try {
        api.reshapeInput(model, names.inputName, [1, channels, size, size]);
        const properties: Record<string, string> = {
          PERFORMANCE_HINT: options.mode === 'latency' ? 'LATENCY' : 'THROUGHPUT',
          INFERENCE_PRECISION_HINT: 'f32',
        };
        if (options.cacheDir) properties.CACHE_DIR = options.cacheDir;
        compiled = await api.compileModel(core, model, 'CPU', properties);
      } finally {
        api.modelFree(model);
      }
      const optimal = Number(api.compiledModelProperty(compiled, 'OPTIMAL_NUMBER_OF_INFER_REQUESTS')) || 1;
      const count = options.mode === 'latency' ? 1 : Math.max(1, options.requests ?? optimal);
      let camDims: number[] = [];
      for (let i = 0; i < count; i++) {
        const request = api.createInferRequest(compiled);
        const slot: Slot = {
          request,
          input: new Float32Array(0),
          probabilities: new Float32Array(0),
          cam: new Float32Array(0),
          extra: [],
          tensors: [],
        };
        slots.push(slot);
        const own = api.getTensor(request, names.cam);
        const f32 = api.tensorElementType(own);
        camDims = api.tensorDims(own);
        api.tensorFree(own);
        const input = api.createTensor(f32, [1, channels, size, size]);
        const probabilities = api.createTensor(f32, [1, pkg.manifest.classes.length]);
        const cam = api.createTensor(f32, camDims);
        slot.tensors.push(input.tensor, probabilities.tensor, cam.tensor);
        api.setInputTensor(request, 0, input.tensor);
        api.setTensor(request, names.probabilities, probabilities.tensor);
        api.setTensor(request, names.cam, cam.tensor);
        Object.assign(slot, { input: input.view, probabilities: probabilities.view, cam: cam.view });
        for (const name of names.extra ?? []) {
          const probe = api.getTensor(request, name);
          const dims = api.tensorDims(probe);
          api.tensorFree(probe);
          const extra = api.createTensor(f32, dims);
          slot.tensors.push(extra.tensor);
          api.setTensor(request, name, extra.tensor);
          slot.extra.push(extra.view);
        }
      }
      return new OpenVinoSession(api, core, compiled, slots, pkg, camDims[2] ?? 0);
    } catch (error) {
      OpenVinoSession.release(api, core, compiled, slots);
      throw error;
    }
  }

  private static release(api: OpenVinoApi, core: Ptr, compiled: Ptr | undefined, slots: Slot[]): void {
    for (const slot of slots) {
      for (const tensor of slot.tensors) api.tensorFree(tensor);
      api.inferRequestFree(slot.request);
    }
    if (compiled !== undefined) api.compiledModelFree(compiled);
    api.coreFree(core);
  }

  private acquire(): Promise<Slot> {
    const slot = this.idle.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  private async inferOne(input: ModelInput): Promise<ModelOutput> {
    const slot = await this.acquire();
    try {
      slot.input.set(input.data);
      this.api.check(await this.api.inferAsync(slot.request), 'infer');
      const out: ModelOutput = {
        probabilities: slot.probabilities.slice(),
        cam: slot.cam.slice(),
        camSize: this.camSize,
      };
      const names = this.pkg.manifest.outputs.extra ?? [];
      if (names.length) out.extra = Object.fromEntries(names.map((name, i) => [name, slot.extra[i]!.slice()]));
      return out;
    } finally {
      this.releaseSlot(slot);
    }
  }

  async infer(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    if (this.closed) throw new CxrError('CXR_ERR_SESSION_CLOSED', 'inference session is closed', { kind: 'internal' });
    checkBatch(batch, this.pkg.manifest.input);
    this.inFlight++;
    try {
      return await Promise.all(batch.map((input) => this.inferOne(input)));
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    OpenVinoSession.release(this.api, this.core, this.compiled, this.slots);
  }
}
