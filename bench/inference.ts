/**
 * Inference benchmark: for one model on this machine, in one run,
 * - OpenVINO through our session (C API + koffi): latency mode (one request, batch 1, sequential) and
 *   throughput mode (OPTIMAL_NUMBER_OF_INFER_REQUESTS requests kept busy);
 * - ONNX Runtime: sequential batch 1 (latency), sequential batches of 4 (throughput);
 * - OpenVINO's own benchmark_app on the same ONNX file with the same hints and f32 precision;
 * - the ratio ours / benchmark_app (target >= 0.95);
 * - RSS before/after 10,000 OpenVINO inferences (on a tiny model, so it takes seconds).
 *
 * Model: `models/baseline/` when it exists and verifies against models/trusted-keys, else a random-weight
 * DenseNet-BC with the seed's final compound scaling (alpha 1.833, beta 1.044, phi -0.1 on DenseNet-121:
 * blocks 5/11/22/15, growth 34) at 1x224x224 written through models/onnx. Env: CXR_BENCH_SECONDS per measurement (default 5),
 * CXR_BENCH_ROUNDS (default 3; ours and benchmark_app alternate, best round kept).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildRandomDenseNet, type RandomDenseNetOptions, seededRandom } from '../models/onnx/random-densenet.ts';
import { graphStats } from '../models/onnx/shapes.ts';
import { writeOnnx } from '../models/onnx/write-onnx.ts';
import { generateKeyPair } from '../models/package/keys.ts';
import { loadModelPackage, type ModelPackage } from '../models/package/load-package.ts';
import { readTrustedKeys } from '../models/package/trusted-keys.ts';
import { writeModelPackage } from '../models/package/write-package.ts';
import type { ModelInput } from '../models/preprocess/input-spec.ts';
import { openSession } from '../models/runtime/open-session.ts';
import type { InferenceSession } from '../models/runtime/types.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.CXR_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.CXR_BENCH_ROUNDS ?? 3);
const exec = promisify(execFile);

const SCALED_DENSENET: RandomDenseNetOptions = {
  size: 224,
  channels: 1,
  classes: 3,
  blocks: [5, 11, 22, 15],
  growth: 34,
  bottleneck: 4,
  stemFilters: 64,
  stemKernel: 7,
  seed: 42,
};
const TINY: RandomDenseNetOptions = {
  ...SCALED_DENSENET,
  size: 64,
  blocks: [2, 2],
  growth: 4,
  bottleneck: 2,
  stemFilters: 8,
  stemKernel: 3,
};

async function randomPackage(dir: string, options: RandomDenseNetOptions): Promise<ModelPackage> {
  const graph = buildRandomDenseNet(options);
  const stats = graphStats(graph);
  const keys = generateKeyPair();
  const classes = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
  await writeModelPackage(dir, {
    onnx: writeOnnx(graph),
    privateKeyPem: keys.privateKeyPem,
    manifest: {
      formatVersion: 1,
      name: 'bench-random-densenet',
      version: '0.0.0',
      createdAt: new Date().toISOString(),
      classes,
      input: {
        size: options.size,
        channels: options.channels,
        mean: 0.5,
        std: 0.25,
        resize: 'letterbox',
        padValue: 0,
        layout: 'NCHW',
      },
      outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
      thresholds: Object.fromEntries(classes.map((c) => [c, { threshold: 0.5, chosenOn: 'bench' }])),
      metrics: {},
      architecture: { ...options },
      macs: stats.macs,
      params: stats.params,
      trainingData: { note: 'random weights for benchmarking' },
      golden: [],
    },
  });
  return loadModelPackage(dir, { trustedPublicKeysPem: [keys.publicKeyPem] });
}

function inputs(pkg: ModelPackage, count: number): ModelInput[] {
  const { size, channels } = pkg.manifest.input;
  const random = seededRandom(3);
  return Array.from({ length: count }, () => ({
    data: Float32Array.from({ length: channels * size * size }, () => random() * 2 - 1),
    channels,
    size,
  }));
}

interface Measured {
  imagesPerSecond: number;
  msPerImage: number;
}

/**
 * Keeps `parallel` callers busy with infer calls of `batch` images for `seconds`.
 * images/s counts finished images; ms/img is the mean call latency divided by the batch.
 */
async function measure(
  session: InferenceSession,
  images: ModelInput[],
  parallel: number,
  seconds: number,
  batch = 1,
): Promise<Measured> {
  for (const image of images.slice(0, 4)) await session.infer([image]); // warm-up
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let busyMs = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async (_, worker) => {
      for (let i = worker; performance.now() < end; i += parallel) {
        const t0 = performance.now();
        const start = (i * batch) % images.length;
        await session.infer(Array.from({ length: batch }, (_, k) => images[(start + k) % images.length] as ModelInput));
        busyMs += performance.now() - t0;
        done += batch;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { imagesPerSecond: done / elapsed, msPerImage: busyMs / done };
}

async function benchmarkApp(
  modelPath: string,
  hint: 'latency' | 'throughput',
  shape: string,
): Promise<Measured | string> {
  const tool = join(ROOT, '.venv', 'bin', 'benchmark_app');
  if (!existsSync(tool)) return 'benchmark_app not installed (.venv/bin/benchmark_app)';
  const args = [
    '-m',
    modelPath,
    '-d',
    'CPU',
    '-hint',
    hint,
    '-t',
    String(SECONDS),
    '-shape',
    shape,
    '-infer_precision',
    'f32',
  ];
  const { stdout } = await exec(tool, args, { maxBuffer: 16 * 1024 * 1024 });
  const fps = /Throughput:\s+([\d.]+)\s+FPS/.exec(stdout)?.[1];
  const average = /Average:\s+([\d.]+)\s+ms/.exec(stdout)?.[1];
  if (!fps || !average) return `could not parse benchmark_app output:\n${stdout.slice(-800)}`;
  return { imagesPerSecond: Number(fps), msPerImage: Number(average) };
}

const best = (a: Measured | undefined, b: Measured): Measured => (a && a.imagesPerSecond >= b.imagesPerSecond ? a : b);

const fmt = (m: Measured | string): string =>
  typeof m === 'string'
    ? m
    : `${m.imagesPerSecond.toFixed(1).padStart(8)} img/s  ${m.msPerImage.toFixed(2).padStart(8)} ms/img`;

async function rssOver10k(dir: string): Promise<void> {
  const pkg = await randomPackage(join(dir, 'tiny'), TINY);
  const images = inputs(pkg, 4);
  const { session } = await openSession(pkg, { runtime: 'openvino', mode: 'throughput' });
  for (let i = 0; i < 200; i++) await session.infer([images[i % 4] as ModelInput]);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 10_000; i++) await session.infer([images[i % 4] as ModelInput]);
  const after = process.memoryUsage().rss;
  await session.close();
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `RSS over 10,000 OpenVINO inferences (tiny 1x64x64 model): before ${mib(before)} MiB, after ${mib(after)} MiB (Δ ${mib(after - before)} MiB)`,
  );
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-bench-inference-'));
  try {
    const baselineDir = join(ROOT, 'models', 'baseline');
    const pkg = existsSync(join(baselineDir, 'manifest.json'))
      ? await loadModelPackage(baselineDir, { trustedPublicKeysPem: await readTrustedKeys() })
      : await randomPackage(join(dir, 'model'), SCALED_DENSENET);
    const { size, channels } = pkg.manifest.input;
    const shape = `input[1,${channels},${size},${size}]`;
    console.log(
      `model: ${pkg.manifest.name} ${pkg.manifest.version}, ${shape}, ${(pkg.manifest.macs / 1e9).toFixed(2)} GMACs, ${(pkg.manifest.params / 1e6).toFixed(2)} M params`,
    );
    console.log(`each figure: best of ${ROUNDS} x ${SECONDS} s, f32, CPU (ours and benchmark_app interleaved)`);
    const images = inputs(pkg, 8);
    const rows: [string, Measured | string][] = [];
    // ours and benchmark_app alternate, ROUNDS times each, and the best round counts: on a shared machine
    // other load then hurts both alike instead of whichever happened to run during it.
    for (const mode of ['latency', 'throughput'] as const) {
      const { session } = await openSession(pkg, { runtime: 'openvino', mode, cacheDir: join(dir, 'ov-cache') });
      const parallel = mode === 'latency' ? 1 : ((session as { requestCount?: number }).requestCount ?? 2);
      let mine: Measured | undefined;
      let app: Measured | string = 'not run';
      for (let round = 0; round < ROUNDS; round++) {
        mine = best(mine, await measure(session, images, parallel, SECONDS));
        const measured = await benchmarkApp(pkg.modelPath, mode, shape);
        app = typeof measured === 'string' ? measured : best(typeof app === 'string' ? undefined : app, measured);
      }
      await session.close();
      rows.push([`openvino (ours) ${mode} x${parallel}`, mine as Measured], [`benchmark_app ${mode}`, app]);
      if (typeof app !== 'string' && mine) {
        const ratio = (mine.imagesPerSecond / app.imagesPerSecond).toFixed(3);
        rows.push([`ratio ours/benchmark_app ${mode}`, `${ratio} (target >= 0.95)`]);
      }
    }
    for (const [mode, batch] of [
      ['latency', 1],
      ['throughput', 4],
    ] as const) {
      const { session } = await openSession(pkg, { runtime: 'onnxruntime', mode });
      let measured: Measured | undefined;
      for (let round = 0; round < ROUNDS; round++)
        measured = best(measured, await measure(session, images, 1, SECONDS, batch));
      rows.push([`onnxruntime ${mode} batch ${batch}`, measured as Measured]);
      await session.close();
    }
    for (const [label, value] of rows) console.log(`${label.padEnd(36)} ${fmt(value)}`);
    console.log(
      `load average during the run (1/5/15 min): ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    await rssOver10k(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export default run;

if (import.meta.url === `file://${process.argv[1]}`) await run();
