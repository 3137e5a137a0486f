/**
 * A real, small DenseNet-shaped model package: seeded random weights, 3 RSNA classes, input 1x64x64, golden
 * cases computed with ONNX Runtime, signed with a fresh (or given) Ed25519 key. Its probabilities mean nothing
 * clinically: `cxr demo --model tiny` and the agent/hub/rollout tests use it where a fast model is enough.
 */
import ort from 'onnxruntime-node';
import { buildRandomDenseNet, seededRandom } from '../onnx/random-densenet.ts';
import { graphStats } from '../onnx/shapes.ts';
import { writeOnnx } from '../onnx/write-onnx.ts';
import { encodeF32 } from './golden.ts';
import { generateKeyPair, type KeyPairPem } from './keys.ts';
import type { Manifest } from './manifest.ts';
import { type UnsignedManifest, writeModelPackage } from './write-package.ts';

export const TINY_CLASSES = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
export const TINY_SIZE = 64;

export interface TinyModelOptions {
  /** Semver of the package (default 0.0.1). */
  version?: string;
  name?: string;
  /** Weight seed: a different seed gives a different model (default 1). */
  seed?: number;
  keyPair?: KeyPairPem;
  /** Threshold used for every class (default 0.5). */
  threshold?: number;
  /** Replaces manifest fields after the defaults (e.g. to break the golden cases on purpose). */
  manifestOverrides?: Partial<UnsignedManifest>;
}

export interface TinyModelPackage extends KeyPairPem {
  dir: string;
}

interface Built {
  onnx: Uint8Array;
  golden: Manifest['golden'];
  stats: { macs: number; params: number };
}
const cache = new Map<number, Promise<Built>>();

const ARCHITECTURE = { size: TINY_SIZE, channels: 1 as const, classes: 3, blocks: [2, 2], growth: 4, bottleneck: 2 };

async function build(seed: number): Promise<Built> {
  const graph = buildRandomDenseNet({ ...ARCHITECTURE, stemFilters: 8, stemKernel: 3, seed });
  const onnx = writeOnnx(graph);
  const session = await ort.InferenceSession.create(onnx);
  const random = seededRandom(seed + 1000);
  const golden: Manifest['golden'] = [];
  for (let i = 0; i < 2; i++) {
    const input = Float32Array.from({ length: TINY_SIZE * TINY_SIZE }, () => random() * 4 - 2);
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, 1, TINY_SIZE, TINY_SIZE]) });
    const probabilities = Array.from(out.probabilities?.data as Float32Array);
    golden.push({ inputF32Base64: encodeF32(input), expectedProbabilities: probabilities, tolerance: 1e-4 });
  }
  await session.release();
  return { onnx, golden, stats: graphStats(graph) };
}

export function tinyManifest(built: Built, options: TinyModelOptions): UnsignedManifest {
  const threshold = options.threshold ?? 0.5;
  return {
    formatVersion: 1,
    name: options.name ?? 'tiny-densenet',
    version: options.version ?? '0.0.1',
    createdAt: new Date(0).toISOString(),
    classes: TINY_CLASSES,
    input: { size: TINY_SIZE, channels: 1, mean: 0.5, std: 0.25, resize: 'letterbox', padValue: 0, layout: 'NCHW' },
    outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
    thresholds: Object.fromEntries(TINY_CLASSES.map((c) => [c, { threshold, chosenOn: 'fixed for tests' }])),
    metrics: {},
    architecture: { family: 'densenet-bc', ...ARCHITECTURE },
    macs: built.stats.macs,
    params: built.stats.params,
    trainingData: { note: 'random weights, not trained: for tests only' },
    golden: built.golden,
    ...options.manifestOverrides,
  };
}

export async function writeTinyModelPackage(dir: string, options: TinyModelOptions = {}): Promise<TinyModelPackage> {
  const seed = options.seed ?? 1;
  let built = cache.get(seed);
  if (!built) {
    built = build(seed);
    cache.set(seed, built);
  }
  const keys = options.keyPair ?? generateKeyPair();
  const resolved = await built;
  await writeModelPackage(dir, {
    onnx: resolved.onnx,
    manifest: tinyManifest(resolved, options),
    privateKeyPem: keys.privateKeyPem,
  });
  return { dir, ...keys };
}
