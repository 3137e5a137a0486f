/**
 * OpenVINO implementation of OnnxModel (onnx-model.ts) compiled once with the input shape the ONNX file
 * declares, dynamic axes left dynamic, for a model whose input shape changes from nearly every call to the next
 * (the recogniser's width follows each box's aspect): one compile instead of one per shape, at some cost per call
 * (docs/viewing.md has the figures). In: the loaded API, the ONNX file's path. Out: `run(data, dims)` resolving
 * the first output's values and dims. Each call creates its input tensor, lets OpenVINO allocate the output,
 * copies it out and frees both; calls run one at a time, in order (serialise); the compile properties are
 * openvino-model.ts's. A failing call rejects with CXR_ERR_OPENVINO_CALL and leaves the model usable.
 */
import koffi from 'koffi';
import { CxrError } from '../errors.ts';
import type { OnnxModel, TensorValues } from './onnx-model.ts';
import type { OpenVinoApi, Ptr } from './openvino-ffi.ts';
import { COMPILE_PROPERTIES, ioNames, serialise } from './openvino-model.ts';

type TensorData = (tensor: Ptr, out: unknown[]) => number;
const tensorDataByLib = new Map<string, TensorData>();

/** `ov_tensor_data`, for tensors OpenVINO allocated (openvino-ffi.ts gives views only of tensors it creates). */
function tensorDataFn(api: OpenVinoApi): TensorData {
  let fn = tensorDataByLib.get(api.libPath);
  if (!fn) {
    fn = koffi.load(api.libPath).func('int ov_tensor_data(void *tensor, _Out_ void **data)') as TensorData;
    tensorDataByLib.set(api.libPath, fn);
  }
  return fn;
}

export class OpenVinoDynamicModel implements OnnxModel {
  readonly runtime = 'openvino' as const;
  private readonly queue = { tail: Promise.resolve() as Promise<unknown> };
  private closed = false;

  private constructor(
    private readonly api: OpenVinoApi,
    private readonly core: Ptr,
    private readonly compiled: Ptr,
    private readonly request: Ptr,
    private readonly f32: number,
    private readonly names: { input: string; output: string },
  ) {}

  static async open(api: OpenVinoApi, path: string): Promise<OpenVinoDynamicModel> {
    const names = ioNames(path);
    tensorDataFn(api); // binds the symbol now: a library without it fails here, not on a call
    const core = api.coreCreate();
    let compiled: Ptr | undefined;
    let request: Ptr | undefined;
    try {
      const model = api.readModel(core, path);
      try {
        compiled = await api.compileModel(core, model, 'CPU', COMPILE_PROPERTIES);
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
    if (this.closed) {
      return Promise.reject(new CxrError('CXR_ERR_SESSION_CLOSED', 'ONNX model is closed', { kind: 'internal' }));
    }
    return serialise(this.queue, async () => {
      const { api } = this;
      const input = api.createTensor(this.f32, dims);
      let output: Ptr | undefined;
      try {
        if (data.length !== input.view.length) {
          throw new CxrError('CXR_ERR_OPENVINO_CALL', `input of ${data.length} values for shape [${dims.join(',')}]`, {
            kind: 'internal',
          });
        }
        input.view.set(data);
        api.setTensor(this.request, this.names.input, input.tensor);
        api.check(await api.inferAsync(this.request), 'infer');
        output = api.getTensor(this.request, this.names.output);
        const outDims = api.tensorDims(output);
        const slot: unknown[] = [null];
        api.check(tensorDataFn(api)(output, slot), 'tensor data');
        const length = outDims.reduce((a, b) => a * b, 1);
        const values = new Float32Array(koffi.view(slot[0] as Ptr, length * 4), 0, length).slice();
        return { data: values, dims: outDims };
      } finally {
        if (output !== undefined) api.tensorFree(output);
        api.tensorFree(input.tensor);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.tail;
    this.api.inferRequestFree(this.request);
    this.api.compiledModelFree(this.compiled);
    this.api.coreFree(this.core);
  }
}
