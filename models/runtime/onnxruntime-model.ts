/**
 * ONNX Runtime implementation of OnnxModel (onnx-model.ts): one float32 input, the first output, CPU, one
 * intra-op thread, all graph optimisations. In: the ONNX file's path. Out: `run(data, dims)` with any input
 * shape the model accepts (ONNX Runtime handles dynamic axes itself); calls run one at a time, in order.
 */
import ort from 'onnxruntime-node';
import { CxrError } from '../errors.ts';
import type { OnnxModel, TensorValues } from './onnx-model.ts';

export class OnnxRuntimeModel implements OnnxModel {
  readonly runtime = 'onnxruntime' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(path: string): Promise<OnnxRuntimeModel> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
    });
    return new OnnxRuntimeModel(session);
  }

  run(data: Float32Array, dims: readonly number[]): Promise<TensorValues> {
    if (this.closed) {
      return Promise.reject(new CxrError('CXR_ERR_SESSION_CLOSED', 'ONNX model is closed', { kind: 'internal' }));
    }
    const run = this.queue.then(async () => {
      const input = this.session.inputNames[0] as string;
      const output = this.session.outputNames[0] as string;
      const out = await this.session.run({ [input]: new ort.Tensor('float32', data, [...dims]) });
      const tensor = out[output] as ort.Tensor;
      return { data: tensor.data as Float32Array, dims: tensor.dims.map(Number) };
    });
    this.queue = run.catch(() => undefined); // the caller gets the error from `run`; the queue only orders calls
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.session.release();
  }
}
