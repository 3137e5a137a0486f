/**
 * ONNX Runtime (onnxruntime-node, CPU execution provider) implementation of `InferenceSession`.
 *
 * In: a verified model package. Out: per-image probabilities, CAMs and the manifest's extra outputs (the gate's).
 * A batch runs as one [N, C, H, W]
 * tensor (the model's batch axis is dynamic); `session.run` executes off the main thread. Latency mode
 * runs ops sequentially inside one image, throughput mode lets ORT run independent ops in parallel.
 */
import ort from 'onnxruntime-node';
import { CxrError } from '../errors.ts';
import type { ModelPackage } from '../package/load-package.ts';
import type { ModelInput } from '../preprocess/input-spec.ts';
import { checkBatch } from './check-batch.ts';
import type { InferenceSession, ModelOutput } from './types.ts';

export class OnnxRuntimeSession implements InferenceSession {
  readonly runtime = 'onnxruntime' as const;
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly pkg: ModelPackage,
  ) {}

  static async open(pkg: ModelPackage, options: { mode: 'latency' | 'throughput' }): Promise<OnnxRuntimeSession> {
    const session = await ort.InferenceSession.create(pkg.onnxBytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: options.mode === 'latency' ? 'sequential' : 'parallel',
    });
    return new OnnxRuntimeSession(session, pkg);
  }

  async infer(batch: readonly ModelInput[]): Promise<ModelOutput[]> {
    if (this.closed) throw new CxrError('CXR_ERR_SESSION_CLOSED', 'inference session is closed', { kind: 'internal' });
    if (batch.length === 0) return [];
    const { input: spec, outputs, classes } = this.pkg.manifest;
    checkBatch(batch, spec);
    const perImage = spec.channels * spec.size * spec.size;
    const data = new Float32Array(batch.length * perImage);
    batch.forEach((image, index) => {
      data.set(image.data, index * perImage);
    });
    const tensor = new ort.Tensor('float32', data, [batch.length, spec.channels, spec.size, spec.size]);
    const result = await this.session.run({ [outputs.inputName]: tensor });
    const probabilities = result[outputs.probabilities];
    const cam = result[outputs.cam];
    if (!probabilities || !cam) {
      throw new CxrError('CXR_ERR_MODEL_OUTPUT_MISSING', 'model did not produce the manifest outputs', {
        kind: 'internal',
      });
    }
    const camSize = Number(cam.dims[2]);
    const camLength = classes.length * camSize * camSize;
    const probs = probabilities.data as Float32Array;
    const maps = cam.data as Float32Array;
    const extraNames = outputs.extra ?? [];
    const extras = extraNames.map((name) => {
      const t = result[name];
      if (!t) {
        throw new CxrError('CXR_ERR_MODEL_OUTPUT_MISSING', `model did not produce the output ${name}`, {
          kind: 'internal',
        });
      }
      return t;
    });
    const outputsPerImage: ModelOutput[] = batch.map((_, i) => {
      const out: ModelOutput = {
        probabilities: probs.slice(i * classes.length, (i + 1) * classes.length),
        cam: maps.slice(i * camLength, (i + 1) * camLength),
        camSize,
      };
      if (extras.length) {
        out.extra = Object.fromEntries(
          extras.map((t, j) => {
            const per = (t.data as Float32Array).length / batch.length;
            return [extraNames[j]!, (t.data as Float32Array).slice(i * per, (i + 1) * per)];
          }),
        );
      }
      return out;
    });
    tensor.dispose();
    probabilities.dispose();
    cam.dispose();
    for (const t of extras) t.dispose();
    return outputsPerImage;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
