/**
 * ONNX Runtime implementation of OnnxModel (onnx-model.ts): one float32 input, the first output, CPU, `threads`
 * intra-op threads (default one), all graph optimisations. In: the ONNX file's path. Out: `run(data, dims)` with any input
 * shape the model accepts (ONNX Runtime handles dynamic axes itself); calls run one at a time, in order.
 */
import ort from 'onnxruntime-node';
import { CallQueue } from './call-queue.ts';
import type { OnnxModel, TensorValues } from './onnx-model.ts';

export class OnnxRuntimeModel implements OnnxModel {
  readonly runtime = 'onnxruntime' as const;
  private readonly calls = new CallQueue('ONNX model');

  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(path: string, threads = 1): Promise<OnnxRuntimeModel> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: Math.max(1, Math.floor(threads)),
    });
    return new OnnxRuntimeModel(session);
  }

  run(data: Float32Array, dims: readonly number[]): Promise<TensorValues> {
    return this.calls.run(async () => {
      const input = this.session.inputNames[0] as string;
      const output = this.session.outputNames[0] as string;
      const out = await this.session.run({ [input]: new ort.Tensor('float32', data, [...dims]) });
      const tensor = out[output] as ort.Tensor;
      return { data: tensor.data as Float32Array, dims: tensor.dims.map(Number) };
    });
  }

  async close(): Promise<void> {
    if (!(await this.calls.close())) return;
    await this.session.release();
  }
}
