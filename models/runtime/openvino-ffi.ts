/**
 * The OpenVINO C API (libopenvino_c) through koffi: the few functions cxr-edge calls, typed.
 *
 * Signatures follow openvino/c/*.h of OpenVINO 2023.1+ (out parameters last; the wheel ships the headers in
 * `openvino/include/openvino/c`). Pointers are koffi 3 BigInts. Every call that returns ov_status_e goes
 * through `check`, which throws CXR_ERR_OPENVINO_CALL with the status name and OpenVINO's last message.
 */
import koffi from 'koffi';
import { CxrError } from '../errors.ts';

export type Ptr = bigint;

/** ov_status_e (ov_common.h) → name, for messages. */
const STATUS_NAMES: Record<number, string> = {
  [-1]: 'GENERAL_ERROR',
  [-2]: 'NOT_IMPLEMENTED',
  [-3]: 'NETWORK_NOT_LOADED',
  [-4]: 'PARAMETER_MISMATCH',
  [-5]: 'NOT_FOUND',
  [-6]: 'OUT_OF_BOUNDS',
  [-7]: 'UNEXPECTED',
  [-8]: 'REQUEST_BUSY',
  [-9]: 'RESULT_NOT_READY',
  [-10]: 'NOT_ALLOCATED',
  [-11]: 'INFER_NOT_STARTED',
  [-12]: 'NETWORK_NOT_READ',
  [-13]: 'INFER_CANCELLED',
  [-14]: 'INVALID_C_PARAM',
  [-15]: 'UNKNOWN_C_ERROR',
  [-16]: 'NOT_IMPLEMENT_C_METHOD',
  [-17]: 'UNKNOW_EXCEPTION',
};

/**
 * ov_element_type_e values moved between releases (f32 is 5 up to 2023.x, 4 once UNDEFINED was dropped),
 * so the session reads the element type of a tensor the compiled model created instead of hard-coding it.
 */

export interface OpenVinoApi {
  libPath: string;
  version: string;
  check(status: number, what: string): void;
  coreCreate(): Ptr;
  coreFree(core: Ptr): void;
  readModel(core: Ptr, path: string): Ptr;
  modelFree(model: Ptr): void;
  /** Reshapes the input named `name` to a static shape. */
  reshapeInput(model: Ptr, name: string, dims: readonly number[]): void;
  /** Compiles for `device`; uses the non-variadic entry point off the main thread when the library has it. */
  compileModel(core: Ptr, model: Ptr, device: string, properties: Record<string, string>): Promise<Ptr>;
  compiledModelFree(compiled: Ptr): void;
  compiledModelProperty(compiled: Ptr, key: string): string;
  createInferRequest(compiled: Ptr): Ptr;
  inferRequestFree(request: Ptr): void;
  /** ov_element_type_e of a tensor (as the loaded library numbers it). */
  tensorElementType(tensor: Ptr): number;
  /** Creates a float32 tensor (`f32Type` from tensorElementType) owned by OpenVINO, with a view of its memory. */
  createTensor(f32Type: number, dims: readonly number[]): { tensor: Ptr; view: Float32Array };
  tensorFree(tensor: Ptr): void;
  tensorDims(tensor: Ptr): number[];
  /** A copy of a float32 tensor's values and its dims (for tensors OpenVINO allocated, e.g. a dynamic output). */
  tensorValues(tensor: Ptr): { data: Float32Array; dims: number[] };
  getTensor(request: Ptr, name: string): Ptr;
  setTensor(request: Ptr, name: string, tensor: Ptr): void;
  setInputTensor(request: Ptr, index: number, tensor: Ptr): void;
  /** ov_infer_request_infer on a koffi worker thread: resolves with the status, never blocks the event loop. */
  inferAsync(request: Ptr): Promise<number>;
}

// koffi runs async calls with a 128 KiB stack block by default; OpenVINO's compile and infer are deep C++
// call chains, so give them what a normal thread gets (8 MiB, virtual until touched).
const ASYNC_STACK_BYTES = 8 * 1024 * 1024;
if ((koffi.config().async_stack_size ?? 0) < ASYNC_STACK_BYTES) {
  koffi.config({ ...koffi.config(), async_stack_size: ASYNC_STACK_BYTES });
}

// koffi types are process-wide: declared once, when this module is first imported.
for (const name of ['ov_core_t', 'ov_model_t', 'ov_compiled_model_t', 'ov_infer_request_t', 'ov_tensor_t']) {
  koffi.opaque(name);
}
koffi.struct('cxr_ov_shape_t', { rank: 'int64_t', dims: 'int64_t *' });
const dimType = koffi.struct('cxr_ov_dimension_t', { min: 'int64_t', max: 'int64_t' });
koffi.struct('cxr_ov_partial_shape_t', { rank: dimType, dims: koffi.pointer(dimType) });
koffi.struct('cxr_ov_property_t', { key: 'const char *', value: 'const char *' });
// raw pointers, not 'const char *': ov_version_free must get back the pointers OpenVINO allocated
koffi.struct('cxr_ov_version_t', { buildNumber: 'void *', description: 'void *' });

/** Loads libopenvino_c from `libPath`; throws whatever koffi throws (caller maps it to a CxrError). */
export function loadOpenVinoApi(libPath: string): OpenVinoApi {
  const lib = koffi.load(libPath);
  const f = {
    getVersion: lib.func('int ov_get_openvino_version(_Out_ cxr_ov_version_t *version)'),
    versionFree: lib.func('void ov_version_free(cxr_ov_version_t *version)'),
    lastError: lib.func('const char *ov_get_last_err_msg()'),
    free: lib.func('void ov_free(void *content)'),
    coreCreate: lib.func('int ov_core_create(_Out_ ov_core_t **core)'),
    coreFree: lib.func('void ov_core_free(ov_core_t *core)'),
    readModel: lib.func(
      'int ov_core_read_model(ov_core_t *core, const char *path, const char *bin, _Out_ ov_model_t **model)',
    ),
    modelFree: lib.func('void ov_model_free(ov_model_t *model)'),
    partialStatic: lib.func(
      'int ov_partial_shape_create_static(int64_t rank, const int64_t *dims, _Out_ cxr_ov_partial_shape_t *shape)',
    ),
    partialFree: lib.func('void ov_partial_shape_free(cxr_ov_partial_shape_t *shape)'),
    reshapeByName: lib.func(
      'int ov_model_reshape_input_by_name(ov_model_t *model, const char *name, cxr_ov_partial_shape_t shape)',
    ),
    compiledFree: lib.func('void ov_compiled_model_free(ov_compiled_model_t *compiled)'),
    compiledProperty: lib.func(
      'int ov_compiled_model_get_property(ov_compiled_model_t *compiled, const char *key, _Out_ void **value)',
    ),
    createRequest: lib.func(
      'int ov_compiled_model_create_infer_request(ov_compiled_model_t *compiled, _Out_ ov_infer_request_t **request)',
    ),
    requestFree: lib.func('void ov_infer_request_free(ov_infer_request_t *request)'),
    shapeCreate: lib.func('int ov_shape_create(int64_t rank, const int64_t *dims, _Out_ cxr_ov_shape_t *shape)'),
    shapeFree: lib.func('int ov_shape_free(cxr_ov_shape_t *shape)'),
    tensorCreate: lib.func('int ov_tensor_create(int type, cxr_ov_shape_t shape, _Out_ ov_tensor_t **tensor)'),
    tensorData: lib.func('int ov_tensor_data(ov_tensor_t *tensor, _Out_ void **data)'),
    tensorShape: lib.func('int ov_tensor_get_shape(ov_tensor_t *tensor, _Out_ cxr_ov_shape_t *shape)'),
    tensorFree: lib.func('void ov_tensor_free(ov_tensor_t *tensor)'),
    tensorType: lib.func('int ov_tensor_get_element_type(ov_tensor_t *tensor, _Out_ int *type)'),
    getTensor: lib.func(
      'int ov_infer_request_get_tensor(ov_infer_request_t *r, const char *name, _Out_ ov_tensor_t **t)',
    ),
    setTensor: lib.func('int ov_infer_request_set_tensor(ov_infer_request_t *r, const char *name, ov_tensor_t *t)'),
    setInput: lib.func(
      'int ov_infer_request_set_input_tensor_by_index(ov_infer_request_t *r, size_t idx, ov_tensor_t *t)',
    ),
    infer: lib.func('int ov_infer_request_infer(ov_infer_request_t *request)'),
  };
  let compileProps: ReturnType<typeof lib.func> | undefined;
  try {
    compileProps = lib.func(
      'int ov_core_compile_model_props(ov_core_t *core, ov_model_t *model, const char *device, size_t n, const cxr_ov_property_t *props, _Out_ ov_compiled_model_t **compiled)',
    );
  } catch {
    compileProps = undefined; // older OpenVINO (< 2026.x): only the variadic entry point exists
  }
  const compileVariadic = lib.func(
    'int ov_core_compile_model(ov_core_t *core, ov_model_t *model, const char *device, size_t n, _Out_ ov_compiled_model_t **compiled, ...)',
  );

  const check = (status: number, what: string): void => {
    if (status === 0) return;
    const detail = (f.lastError() as string | null) ?? '';
    const name = STATUS_NAMES[status] ?? `status ${status}`;
    throw new CxrError('CXR_ERR_OPENVINO_CALL', `OpenVINO ${what} failed: ${name} ${detail}`.trim(), {
      kind: 'internal',
    });
  };
  const out = <T = Ptr>(call: (slot: unknown[]) => number, what: string): T => {
    const slot: unknown[] = [null];
    check(call(slot), what);
    return slot[0] as T;
  };
  const withShape = <T>(dims: readonly number[], use: (shape: unknown) => T): T => {
    const shape = {};
    check(f.shapeCreate(dims.length, dims.map(BigInt), shape), 'shape create');
    try {
      return use(shape);
    } finally {
      f.shapeFree(shape);
    }
  };
  const version = {} as { buildNumber?: Ptr };
  check(f.getVersion(version), 'get version');
  const versionText = version.buildNumber ? (koffi.decode(version.buildNumber, 'char', -1) as string) : 'unknown';
  f.versionFree(version);

  function tensorDims(tensor: Ptr): number[] {
    const shape = {} as { rank?: bigint | number; dims?: Ptr };
    check(f.tensorShape(tensor, shape), 'tensor shape');
    try {
      return Array.from(koffi.decode(shape.dims, 'int64_t', Number(shape.rank)) as ArrayLike<bigint>, Number);
    } finally {
      f.shapeFree(shape);
    }
  }

  return {
    libPath,
    version: versionText,
    check,
    coreCreate: () => out((s) => f.coreCreate(s), 'core create'),
    coreFree: (core) => f.coreFree(core),
    readModel: (core, path) => out((s) => f.readModel(core, path, null, s), `read model`),
    modelFree: (model) => f.modelFree(model),
    reshapeInput(model, name, dims) {
      const partial = {};
      check(f.partialStatic(dims.length, dims.map(BigInt), partial), 'partial shape create');
      try {
        check(f.reshapeByName(model, name, partial), `reshape ${name} to [${dims.join(',')}]`);
      } finally {
        f.partialFree(partial);
      }
    },
    async compileModel(core, model, device, properties) {
      const entries = Object.entries(properties);
      const slot: unknown[] = [null];
      let status: number;
      if (compileProps) {
        const props = entries.map(([key, value]) => ({ key, value }));
        const fn = compileProps;
        status = await new Promise<number>((resolve, reject) => {
          fn.async(
            core,
            model,
            device,
            props.length,
            props.length ? props : null,
            slot,
            (error: unknown, result: number) => (error ? reject(error) : resolve(result)),
          );
        });
      } else {
        const variadic = entries.flatMap(([key, value]) => ['const char *', key, 'const char *', value]);
        status = compileVariadic(core, model, device, entries.length * 2, slot, ...variadic);
      }
      check(status, `compile model for ${device}`);
      return slot[0] as Ptr;
    },
    compiledModelFree: (compiled) => f.compiledFree(compiled),
    compiledModelProperty(compiled, key) {
      const value = out<Ptr>((s) => f.compiledProperty(compiled, key, s), `get property ${key}`);
      const text = koffi.decode(value, 'char', -1) as string;
      f.free(value);
      return text;
    },
    createInferRequest: (compiled) => out((s) => f.createRequest(compiled, s), 'create infer request'),
    inferRequestFree: (request) => f.requestFree(request),
    tensorElementType: (tensor) => out<number>((s) => f.tensorType(tensor, s), 'tensor element type'),
    createTensor(f32Type, dims) {
      const tensor = withShape(dims, (shape) => out((s) => f.tensorCreate(f32Type, shape, s), 'tensor create'));
      const data = out<Ptr>((s) => f.tensorData(tensor, s), 'tensor data');
      const length = dims.reduce((a, b) => a * b, 1);
      return { tensor, view: new Float32Array(koffi.view(data, length * 4), 0, length) };
    },
    tensorFree: (tensor) => f.tensorFree(tensor),
    tensorValues(tensor) {
      const dims = tensorDims(tensor);
      const data = out<Ptr>((s) => f.tensorData(tensor, s), 'tensor data');
      const length = dims.reduce((a, b) => a * b, 1);
      return { data: new Float32Array(koffi.view(data, length * 4), 0, length).slice(), dims };
    },
    tensorDims,
    getTensor: (request, name) => out((s) => f.getTensor(request, name, s), `get tensor ${name}`),
    setTensor: (request, name, tensor) => check(f.setTensor(request, name, tensor), `set tensor ${name}`),
    setInputTensor: (request, index, tensor) => check(f.setInput(request, index, tensor), 'set input tensor'),
    inferAsync: (request) =>
      new Promise<number>((resolve, reject) => {
        f.infer.async(request, (error: unknown, status: number) => (error ? reject(error) : resolve(status)));
      }),
  };
}
