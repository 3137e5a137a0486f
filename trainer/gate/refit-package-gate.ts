/**
 * `cxr train refit-gate`: fits the not-a-chest gate of an existing signed package again, on the package's own
 * features, and writes it as a new package with the same weights and classifier (docs/trainer.md, "Refitting a
 * package's gate"). No training checkpoint is needed: the gate embedding the package already outputs,
 * z = A f + c (its whitening, read from model.onnx), is an invertible map of the classifier's features f, so
 * fitGate runs on z and its two maps are composed with A into maps on f, written over the gate's initializers —
 * the graph and what the runtimes compute are unchanged in shape and cost.
 * In: the package, the prepared cache it was trained on (the same splits), the negatives CSV, a version, a
 * private key. Checks: the package's probabilities are unchanged (both runtimes, golden + 16 validation images);
 * the gate's golden values from ONNX Runtime match the Float64 fit; OpenVINO matches ONNX Runtime.
 * Out: the new package directory, the fit report and the runtime checks.
 */
import onnxProto from 'onnx-proto';
import { CxrError } from '../../models/errors.ts';
import { decodeF32 } from '../../models/package/golden.ts';
import { publicKeyOf } from '../../models/package/keys.ts';
import { loadModelPackage, type ModelPackage } from '../../models/package/load-package.ts';
import { type UnsignedManifest, writeModelPackage } from '../../models/package/write-package.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { InferenceSession } from '../../models/runtime/types.ts';
import { cacheSpec, loadPixels, readIndex } from '../data/prepare-cache.ts';
import { mulberry32 } from '../data/random.ts';
import { writeGateGolden } from '../export/gate-golden.ts';
import { assertRuntimesAgree, type RuntimeCheck, verifyRuntimes } from '../export/verify-runtimes.ts';
import { fitGate, type GateFit } from './fit-gate.ts';
import { GATE_OUTPUTS } from './gate-head.ts';
import { composeLinear, type Linear } from './gate-math.ts';

export interface RefitGateOptions {
  modelDir: string;
  cacheDir: string;
  negativesCsv: string;
  outDir: string;
  version: string;
  privateKeyPem: string;
  trustedPublicKeysPem: string[];
  seed?: number;
  now?: () => Date;
}

export interface RefitGateReport {
  dir: string;
  from: string;
  gate: GateFit['report'];
  headThreshold: number;
  distanceThreshold: number;
  verification: RuntimeCheck[];
}

/** The gate's dense nodes in model.onnx (trainer/gate/gate-head.ts names them; write-onnx.ts their initializers). */
const GATE_TENSORS = {
  whitening: { weight: 'gate_z.weight', bias: 'gate_z.bias' },
  head: { weight: 'gate_logit.weight', bias: 'gate_logit.bias' },
} as const;

type Tensor = onnxProto.onnx.ITensorProto;

function denseOf(tensors: Map<string, Tensor>, names: { weight: string; bias: string }): Linear {
  const weight = tensors.get(names.weight);
  const bias = tensors.get(names.bias);
  if (!weight?.rawData || !bias?.rawData || weight.dims?.length !== 2) {
    throw new CxrError('CXR_ERR_PACKAGE_MANIFEST_INVALID', `model.onnx has no gate tensor ${names.weight}`);
  }
  const f32 = (raw: Uint8Array) => new Float32Array(Uint8Array.from(raw).buffer);
  const [inFeatures, units] = weight.dims.map(Number) as [number, number];
  return { weight: f32(weight.rawData), bias: f32(bias.rawData), inFeatures, units };
}

/**
 * model.onnx with the gate's two dense maps replaced (same names, shapes and graph); `maps` gets the whitening the
 * package has (f -> z) and returns the new maps on f.
 */
export function withGateMaps(
  onnx: Uint8Array,
  maps: (whitening: Linear) => { whitening: Linear; head: Linear },
): Uint8Array {
  const model = onnxProto.onnx.ModelProto.decode(onnx);
  const tensors = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const next = maps(denseOf(tensors, GATE_TENSORS.whitening));
  for (const key of ['whitening', 'head'] as const) {
    const old = denseOf(tensors, GATE_TENSORS[key]);
    const map = next[key];
    if (old.inFeatures !== map.inFeatures || old.units !== map.units) {
      throw new CxrError('CXR_ERR_EXPORT_MISMATCH', `gate ${key}: shape ${map.inFeatures}x${map.units}`, {
        kind: 'internal',
      });
    }
    tensors.get(GATE_TENSORS[key].weight)!.rawData = new Uint8Array(Float32Array.from(map.weight).buffer);
    tensors.get(GATE_TENSORS[key].bias)!.rawData = new Uint8Array(Float32Array.from(map.bias).buffer);
  }
  return onnxProto.onnx.ModelProto.encode(model).finish();
}

async function runAll(session: InferenceSession, inputs: ModelInput[]) {
  const out = [];
  for (let i = 0; i < inputs.length; i += 32) out.push(...(await session.infer(inputs.slice(i, i + 32))));
  return out;
}

export async function refitPackageGate(o: RefitGateOptions): Promise<RefitGateReport> {
  const pkg: ModelPackage = await loadModelPackage(o.modelDir, { trustedPublicKeysPem: o.trustedPublicKeysPem });
  const { manifest } = pkg;
  if (!manifest.gate) throw new CxrError('CXR_ERR_PACKAGE_MANIFEST_INVALID', 'this package has no gate to refit');
  const spec = manifest.input;
  const R = spec.size;
  const index = await readIndex(o.cacheDir);
  if (cacheSpec(R, index).blackMarginCut !== spec.blackMarginCut) {
    throw new CxrError('CXR_ERR_DATASET_INVALID', 'the cache was not prepared as this package reads films');
  }
  const pixels = await loadPixels(o.cacheDir, index, R);
  const plane = R * R;
  const images = (p: Float32Array) =>
    Array.from({ length: p.length / plane }, (_, i) => p.subarray(i * plane, (i + 1) * plane));
  const input = (img01: Float32Array): ModelInput => ({
    data: Float32Array.from(img01, (v) => (v - spec.mean) / spec.std),
    channels: 1,
    size: R,
  });
  const { session } = await openSession(pkg, { runtime: 'onnxruntime' });
  const embedding = (outs: { extra?: Record<string, Float32Array> }[]) =>
    outs.map((out) => Float32Array.from(out.extra?.[GATE_OUTPUTS.distance] ?? []));
  let fit: GateFit;
  let golden: ModelInput[];
  let goldenZ: Float32Array[];
  let checkInputs: ModelInput[];
  let expected: Float32Array[];
  try {
    fit = await fitGate({
      features: async (inputs01) => embedding(await runAll(session, inputs01.map(input))),
      resolution: R,
      train: images(pixels.train),
      val: images(pixels.val),
      trainFiles: index.splits.train.map((i) => i.path),
      valFiles: index.splits.val.map((i) => i.path),
      negativesCsv: o.negativesCsv,
      ...(index.blackMarginCut ? { blackMarginCut: index.blackMarginCut } : {}),
      rng: mulberry32(o.seed ?? 7),
    });
    golden = manifest.golden.map((g) => ({ data: decodeF32(g.inputF32Base64), channels: spec.channels, size: R }));
    checkInputs = [...golden, ...images(pixels.val).slice(0, 16).map(input)];
    const before = await runAll(session, checkInputs);
    goldenZ = embedding(before.slice(0, golden.length));
    expected = before.map((out) => out.probabilities);
  } finally {
    await session.close();
  }
  const onnx = withGateMaps(pkg.onnxBytes, (old) => ({
    whitening: composeLinear(old, fit.whitening),
    head: composeLinear(old, fit.head),
  }));
  const { modelSha256, publisherKeyId, ...rest } = manifest;
  const next: UnsignedManifest = {
    ...rest,
    version: o.version,
    createdAt: (o.now ?? (() => new Date()))().toISOString(),
    gate: {
      ...manifest.gate,
      minInputStd: fit.minInputStd,
      maxFlatFraction: fit.maxFlatFraction,
      maxChroma: fit.maxChroma,
      maxColourResidual: fit.maxColourResidual,
      head: { output: GATE_OUTPUTS.head, threshold: fit.headThreshold },
      distance: { output: GATE_OUTPUTS.distance, threshold: fit.distanceThreshold },
      fittedOn: {
        ...fit.report,
        refittedFrom: { version: manifest.version, modelSha256, on: 'its own gate embedding; weights unchanged' },
      },
    },
    golden: manifest.golden.map(({ expectedExtra: _, ...g }) => g),
  };
  const written = { onnx, manifest: next, privateKeyPem: o.privateKeyPem };
  await writeModelPackage(o.outDir, written);
  await writeGateGolden(o.outDir, written, golden, { head: fit.head, features: goldenZ });
  const verification = await verifyRuntimes(o.outDir, publicKeyOf(o.privateKeyPem), checkInputs, expected);
  assertRuntimesAgree(verification);
  return {
    dir: o.outDir,
    from: manifest.version,
    gate: fit.report,
    headThreshold: fit.headThreshold,
    distanceThreshold: fit.distanceThreshold,
    verification,
  };
}
