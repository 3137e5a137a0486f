/**
 * `cxr export`: best checkpoint of a training run -> signed model package, verified.
 * In: the training output folder (train-state.json + best checkpoint), the prepared cache, a private key.
 * Out: `<out>/{model.onnx, manifest.json, signature}` with thresholds chosen on validation, test-split
 * metrics, MACs/params, training data summary and golden I/O from real images; then ONNX Runtime and
 * OpenVINO outputs are compared with tfjs (<= 1e-4) through the production loader and runtimes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { CxrError } from '../../models/errors.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import { writeOnnx } from '../../models/onnx/write-onnx.ts';
import { encodeF32 } from '../../models/package/golden.ts';
import { publicKeyOf } from '../../models/package/keys.ts';
import type { UnsignedManifest } from '../../models/package/write-package.ts';
import { writeModelPackage } from '../../models/package/write-package.ts';
import type { InputSpec, ModelInput } from '../../models/preprocess/input-spec.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import { type BackendPreference, selectBackend } from '../backend/select-backend.ts';
import { loadPixels, readIndex } from '../data/prepare-cache.ts';
import { sensSpec } from '../metrics/auroc.ts';
import { bootstrapAurocCi } from '../metrics/bootstrap.ts';
import { column, oneVsRest, perClassAuroc } from '../metrics/per-class.ts';
import { buildDenseNet } from '../model/build-densenet.ts';
import { loadCheckpoint } from '../train/checkpoint.ts';
import type { TrainState } from '../train/train-config.ts';
import { predictScores } from '../train/train-loop.ts';
import { tfjsToOnnxGraph } from './tfjs-to-onnx-graph.ts';
import { chooseThresholds } from './thresholds.ts';
import { type RuntimeCheck, verifyRuntimes } from './verify-runtimes.ts';

export interface ExportOptions {
  trainDir: string;
  cacheDir: string;
  outDir: string;
  privateKeyPem: string;
  name: string;
  version: string;
  /** Real images for the golden cases and the runtime check (besides validation images). */
  goldenImages: string[];
  targetSensitivity?: Record<string, number>;
  backend?: BackendPreference;
  now?: () => Date;
}

export interface ExportReport {
  dir: string;
  macs: number;
  params: number;
  thresholds: UnsignedManifest['thresholds'];
  metrics: Record<string, unknown>;
  verification: RuntimeCheck[];
}

function tfjsProbabilities(tf: typeof tfType, model: tfType.LayersModel, inputs: ModelInput[]): Float32Array[] {
  return inputs.map((input) =>
    tf.tidy(() => {
      const x = tf.tensor4d(input.data, [1, input.size, input.size, 1]);
      return (model.predict(x) as tfType.Tensor).dataSync() as Float32Array;
    }),
  );
}

export async function exportPackage(o: ExportOptions): Promise<ExportReport> {
  const state = JSON.parse(
    await readFile(join(o.trainDir, 'train-state.json'), 'utf8').catch((cause) => {
      throw new CxrError('CXR_ERR_CHECKPOINT_INVALID', `no train-state.json in ${o.trainDir}`, { cause });
    }),
  ) as TrainState;
  const { tf } = await selectBackend(o.backend ?? 'wasm');
  const index = await readIndex(o.cacheDir);
  const R = state.arch.resolution;
  const K = state.classes.length;
  const model = buildDenseNet(tf, state.arch, { inChannels: 1, classes: K, head: state.config.head });
  const best = await loadCheckpoint(tf, o.trainDir, 'best', model);
  const pixels = await loadPixels(o.cacheDir, index, R);
  const valLabels = index.splits.val.map((i) => i.label);
  const testLabels = index.splits.test.map((i) => i.label);
  const valScores = await predictScores(tf, model, pixels.val, R, state.normalisation);
  const testScores = await predictScores(tf, model, pixels.test, R, state.normalisation);
  const thresholds = chooseThresholds(state.classes, valScores, valLabels, o.targetSensitivity);
  const val = perClassAuroc(valScores, valLabels, K);
  const test = perClassAuroc(testScores, testLabels, K);
  const byClass = <T>(f: (c: number, name: string) => T) =>
    Object.fromEntries(state.classes.map((n, c) => [n, f(c, n)]));
  const metrics = {
    split: 'test',
    auroc: byClass((c) => test.perClass[c] ?? null),
    meanAuroc: test.mean,
    ci95: byClass((c) => bootstrapAurocCi(column(testScores, K, c), oneVsRest(testLabels, c), { seed: 1 })),
    n: byClass((c) => ({ positives: testLabels.filter((l) => l === c).length, total: testLabels.length })),
    atThresholds: byClass((c, n) =>
      sensSpec(column(testScores, K, c), oneVsRest(testLabels, c), thresholds[n]!.threshold),
    ),
    validation: { auroc: byClass((c) => val.perClass[c] ?? null), meanAuroc: val.mean, bestEpoch: best.epoch },
    aurocUndefinedWhen: 'fewer than 2 positives or 2 negatives in the split: null',
  };
  const spec: InputSpec = {
    size: R,
    channels: 1,
    mean: state.normalisation.mean,
    std: state.normalisation.std,
    resize: 'letterbox',
    padValue: 0,
    layout: 'NCHW',
  };
  const golden: ModelInput[] = [];
  for (const path of o.goldenImages) golden.push(preprocess(await readImageFile(path), spec));
  const goldenOut = tfjsProbabilities(tf, model, golden);
  const onnx = writeOnnx(tfjsToOnnxGraph(model, o.name));
  const manifest: UnsignedManifest = {
    formatVersion: 1,
    name: o.name,
    version: o.version,
    createdAt: (o.now ?? (() => new Date()))().toISOString(),
    classes: state.classes,
    input: spec,
    outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
    thresholds,
    metrics,
    architecture: {
      family: 'DenseNet-BC compound-scaled (seed: openvinotoolkit/training_extensions chest_xray_screening)',
      scaling: state.config.scaling,
      ...state.arch,
      head: state.config.head,
    },
    macs: state.cost.macs,
    params: state.cost.params,
    trainingData: {
      source: index.source,
      split: index.split,
      counts: index.counts,
      patients: index.patients,
      normalisation: state.normalisation,
      backend: state.backend,
      epochs: state.history.length,
      bestEpoch: state.bestEpoch,
      config: { ...state.config, cacheDir: undefined, outDir: undefined },
    },
    golden: golden.map((g, i) => ({
      inputF32Base64: encodeF32(g.data),
      expectedProbabilities: [...goldenOut[i]!],
      tolerance: 1e-4,
    })),
  };
  await writeModelPackage(o.outDir, { onnx, manifest, privateKeyPem: o.privateKeyPem });
  // Runtime check on the golden images plus up to 16 validation images (normalised exactly like preprocess).
  const plane = R * R;
  const extra: ModelInput[] = [];
  for (let i = 0; i < Math.min(16, index.splits.val.length); i++) {
    const data = Float32Array.from(pixels.val.subarray(i * plane, (i + 1) * plane), (v) => (v - spec.mean) / spec.std);
    extra.push({ data, channels: 1, size: R });
  }
  const inputs = [...golden, ...extra];
  const expected = [...goldenOut, ...tfjsProbabilities(tf, model, extra)];
  const verification = await verifyRuntimes(o.outDir, publicKeyOf(o.privateKeyPem), inputs, expected);
  model.dispose();
  if (verification.some((v) => !v.ok && v.maxAbsDiff !== null)) {
    throw new CxrError('CXR_ERR_EXPORT_MISMATCH', `runtime outputs differ from tfjs: ${JSON.stringify(verification)}`, {
      kind: 'internal',
    });
  }
  return { dir: o.outDir, macs: state.cost.macs, params: state.cost.params, thresholds, metrics, verification };
}
