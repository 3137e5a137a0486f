/**
 * OpenVINO implementation of OnnxModel (onnx-model.ts) compiled once with the input shape the ONNX file
 * declares, dynamic axes left dynamic, for a model whose input shape changes from nearly every call to the next
 * (the recogniser's width follows each box's aspect): one compile instead of one per shape, at some cost per call
 * (docs/viewing.md has the figures). In: the loaded API, the ONNX file's path. Out: `run(data, dims)` resolving
 * the first output's values and dims. Each call creates its input tensor, lets OpenVINO allocate the output,
 * copies it out and frees both; calls run one at a time, in order (call-queue.ts); the compile properties are
 * openvino-model.ts's. A failing call rejects with CXR_ERR_OPENVINO_CALL and leaves the model usable.
 */
import { CallQueue } from './call-queue.ts';
import type { OnnxModel, TensorValues } from './onnx-model.ts';
import type { OpenVinoApi, Ptr } from './openvino-ffi.ts';
import { checkInputLength, compileProperties, ioNames } from './openvino-model.ts';

export class OpenVinoDynamicModel implements OnnxModel {
  readonly runtime = 'openvino' as const;
  private readonly calls = new CallQueue('ONNX model');

  private constructor(
    private readonly api: OpenVinoApi,
    private readonly core: Ptr,
    private readonly compiled: Ptr,
    private readonly request: Ptr,
    private readonly f32: number,
    private readonly names: { input: string; output: string },
  ) {}

  static async open(api: OpenVinoApi, path: string, threads = 1): Promise<OpenVinoDynamicModel> {
    const names = ioNames(path);
    const core = api.coreCreate();
    let compiled: Ptr | undefined;
    let request: Ptr | undefined;
    try {
      const model = api.readModel(core, path);
      try {
        compiled = await api.compileModel(core, model, 'CPU', compileProperties(threads));
      } finally {
        api.modelFree(model);
      }
      request = api.createInferRequest(compiled);
      const input = api.getTensor(request, names.input);
      const f32 = api.tensorElementType(input);
      api.tensorFree(input);
      return new OpenVinoDynamicModel(api, core, compiled, request, f32, names);
    } catch (error) {
      if (request !== undefined) api.inferRequestFree(request);
      if (compiled !== undefined) api.compiledModelFree(compiled);
      api.coreFree(core);
      throw error;
    }
  }

  run(data: Float32Array, dims: readonly number[]): Promise<TensorValues> {
    return this.calls.run(async () => {
      const { api } = this;
      const input = api.createTensor(this.f32, dims);
      let output: Ptr | undefined;
      try {
        checkInputLength(data, input.view.length, dims);
        input.view.set(data);
        api.setTensor(this.request, this.names.input, input.tensor);
        api.check(await api.inferAsync(this.request), 'infer');
        output = api.getTensor(this.request, this.names.output);
        return api.tensorValues(output);
      } finally {
        if (output !== undefined) api.tensorFree(output);
        api.tensorFree(input.tensor);
      }
    });
  }

  async close(): Promise<void> {
    if (!(await this.calls.close())) return;
    this.api.inferRequestFree(this.request);
    this.api.compiledModelFree(this.compiled);
    this.api.coreFree(this.core);
  }
}
