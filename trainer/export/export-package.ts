/**
 * `cxr export`: best checkpoint of a training run -> signed model package, verified.
 * In: the training output folder (train-state.json + best checkpoint), the prepared cache, a private key and,
 * optionally, a negatives folder for the not-a-chest gate (`cxr train negatives`).
 * Out: `<out>/{model.onnx, manifest.json, signature}`: calibration, screening thresholds and urgent operating
 * points chosen on validation (trainer/export/model-metrics.ts), test-split figures pooled and per site, the
 * gate (trainer/gate/) as extra model outputs plus manifest thresholds, MACs/params, a training data summary and
 * golden I/O from real images (one per site), including the gate's outputs. Then ONNX Runtime and OpenVINO
 * outputs (probabilities, CAM, gate) are compared with each other and the probabilities with tfjs (<= 1e-4).
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
import { cacheSpec, loadPixels, readIndex } from '../data/prepare-cache.ts';
import { mulberry32 } from '../data/random.ts';
import { fitGate, type GateFit } from '../gate/fit-gate.ts';
import { GATE_OUTPUTS, withGate } from '../gate/gate-head.ts';
import { buildDenseNet } from '../model/build-densenet.ts';
import { loadCheckpoint } from '../train/checkpoint.ts';
import type { TrainState } from '../train/train-config.ts';
import { predictScores } from '../train/train-loop.ts';
import { writeGateGolden } from './gate-golden.ts';
import { modelMetrics } from './model-metrics.ts';
import { tfjsToOnnxGraph } from './tfjs-to-onnx-graph.ts';
import { assertRuntimesAgree, type RuntimeCheck, verifyRuntimes } from './verify-runtimes.ts';

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
  /** Specificity of the urgent operating point per finding class (default 0.95). */
  urgentSpecificity?: number;
  /** `negatives.csv` of `cxr train negatives`: fit the not-a-chest gate. */
  negativesCsv?: string;
  normalClass?: string;
  backend?: BackendPreference;
  now?: () => Date;
}

export interface ExportReport {
  dir: string;
  macs: number;
  params: number;
  thresholds: UnsignedManifest['thresholds'];
  metrics: Record<string, unknown>;
  gate: GateFit['report'] | null;
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

async function readState(trainDir: string): Promise<TrainState> {
  const text = await readFile(join(trainDir, 'train-state.json'), 'utf8').catch((cause) => {
    throw new CxrError('CXR_ERR_CHECKPOINT_INVALID', `no train-state.json in ${trainDir}`, { cause });
  });
  return JSON.parse(text) as TrainState;
}

export async function exportPackage(o: ExportOptions): Promise<ExportReport> {
  const state = await readState(o.trainDir);
  const { tf } = await selectBackend(o.backend ?? 'wasm');
  const index = await readIndex(o.cacheDir);
  const R = state.arch.resolution;
  const K = state.classes.length;
  const camFromBlock = state.config.camFromBlock;
  const model = buildDenseNet(tf, state.arch, {
    inChannels: 1,
    classes: K,
    head: state.config.head,
    ...(camFromBlock ? { camFromBlock } : {}),
  });
  const best = await loadCheckpoint(tf, o.trainDir, 'best', model);
  const pixels = await loadPixels(o.cacheDir, index, R);
  const split = (s: 'val' | 'test') => ({
    labels: index.splits[s].map((i) => i.label),
    sites: index.splits[s].map((i) => i.site ?? index.source),
  });
  const val = { ...split('val'), scores: await predictScores(tf, model, pixels.val, R, state.normalisation) };
  const test = { ...split('test'), scores: await predictScores(tf, model, pixels.test, R, state.normalisation) };
  const normalClass = o.normalClass ?? (state.classes.includes('Normal') ? 'Normal' : undefined);
  const { calibration, thresholds, triage, metrics, referenceScores } = modelMetrics(val, test, {
    classes: state.classes,
    ...(normalClass ? { normalClass } : {}),
    ...(o.targetSensitivity ? { targetSensitivity: o.targetSensitivity } : {}),
    ...(o.urgentSpecificity ? { urgentSpecificity: o.urgentSpecificity } : {}),
  });
  const spec: InputSpec = { ...cacheSpec(R, index), mean: state.normalisation.mean, std: state.normalisation.std };
  const plane = R * R;
  const normalise = (img: Float32Array) => Float32Array.from(img, (v) => (v - spec.mean) / spec.std);
  const featureLayer = model.layers.some((l) => l.name === 'gap_cat') ? 'gap_cat' : 'gap';
  const featureModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(featureLayer).output });
  const features = async (inputs01: Float32Array[]) => {
    const out: Float32Array[] = [];
    for (const img of inputs01) {
      out.push(
        tf.tidy(
          () =>
            (
              featureModel.predict(tf.tensor4d(normalise(img), [1, R, R, 1])) as tfType.Tensor
            ).dataSync() as Float32Array,
        ),
      );
    }
    return out;
  };
  const images = (p: Float32Array) =>
    Array.from({ length: p.length / plane }, (_, i) => p.subarray(i * plane, (i + 1) * plane));
  const gate = o.negativesCsv
    ? await fitGate({
        features,
        resolution: R,
        train: images(pixels.train),
        val: images(pixels.val),
        trainFiles: index.splits.train.map((i) => i.path),
        valFiles: index.splits.val.map((i) => i.path),
        negativesCsv: o.negativesCsv,
        ...(index.blackMarginCut ? { blackMarginCut: index.blackMarginCut } : {}),
        rng: mulberry32(state.config.seed + 7),
      })
    : null;
  const golden: ModelInput[] = [];
  for (const path of o.goldenImages) golden.push(preprocess(await readImageFile(path), spec));
  const goldenOut = tfjsProbabilities(tf, model, golden);
  const goldenFeatures = gate
    ? await features(golden.map((g) => Float32Array.from(g.data, (v) => v * spec.std + spec.mean)))
    : [];
  const graph = tfjsToOnnxGraph(model, o.name);
  const onnx = writeOnnx(gate ? withGate(graph, gate) : graph);
  const manifest: UnsignedManifest = {
    formatVersion: 1,
    name: o.name,
    version: o.version,
    createdAt: (o.now ?? (() => new Date()))().toISOString(),
    classes: state.classes,
    input: spec,
    outputs: {
      probabilities: 'probabilities',
      cam: 'cam',
      inputName: 'input',
      ...(gate ? { extra: [GATE_OUTPUTS.head, GATE_OUTPUTS.distance] } : {}),
    },
    thresholds,
    triage,
    calibration,
    referenceScores,
    ...(gate
      ? {
          gate: {
            minInputStd: gate.minInputStd,
            maxFlatFraction: gate.maxFlatFraction,
            maxChroma: gate.maxChroma,
            maxColourResidual: gate.maxColourResidual,
            head: { output: GATE_OUTPUTS.head, threshold: gate.headThreshold },
            distance: { output: GATE_OUTPUTS.distance, threshold: gate.distanceThreshold },
            fittedOn: gate.report,
          },
        }
      : {}),
    metrics: { ...metrics, validation: { ...metrics.validation, bestEpoch: best.epoch } },
    architecture: {
      family: 'DenseNet-BC compound-scaled (seed: openvinotoolkit/training_extensions chest_xray_screening)',
      scaling: state.config.scaling,
      ...state.arch,
      head: state.config.head,
      camFromBlock: camFromBlock ?? null,
    },
    macs: state.cost.macs,
    params: state.cost.params,
    trainingData: {
      source: index.source,
      sites: index.sites,
      split: index.split,
      counts: index.counts,
      countsBySite: index.countsBySite,
      patients: index.patients,
      dropped: index.dropped,
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
  if (gate) {
    const input = { onnx, manifest, privateKeyPem: o.privateKeyPem };
    await writeGateGolden(o.outDir, input, golden, { head: gate.head, features: goldenFeatures });
  }
  // Runtime check on the golden images plus up to 16 validation images (normalised exactly like preprocess).
  const extra: ModelInput[] = images(pixels.val)
    .slice(0, 16)
    .map((img) => ({ data: normalise(img), channels: 1, size: R }));
  const inputs = [...golden, ...extra];
  const expected = [...goldenOut, ...tfjsProbabilities(tf, model, extra)];
  const verification = await verifyRuntimes(o.outDir, publicKeyOf(o.privateKeyPem), inputs, expected);
  model.dispose();
  assertRuntimesAgree(verification);
  return {
    dir: o.outDir,
    macs: state.cost.macs,
    params: state.cost.params,
    thresholds,
    metrics,
    gate: gate?.report ?? null,
    verification,
  };
}
