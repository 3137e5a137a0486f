/**
 * Training benchmark (trainer): images/s of full train steps (forward + backward + Adam, batch 16, random
 * data) of the bundled baseline's family member per backend and resolution; then MACs vs measured OpenVINO
 * CPU latency for the default search grid.
 * Backends: `wasm` with our gradient kernels (always); `tensorflow` when @tensorflow/tfjs-node loads;
 * the pure JS `cpu` backend only with CXR_BENCH_TRAIN_CPU=1 (one step at batch 2: it is ~100x slower).
 * Env: CXR_BENCH_TRAIN_STEPS (timed steps, default 3).
 */
import { readFileSync } from 'node:fs';
import type * as tfType from '@tensorflow/tfjs';
import { type SelectedBackend, selectBackend, type TrainingBackend } from '../trainer/backend/select-backend.ts';
import { denseNetCost } from '../trainer/cost/densenet-cost.ts';
import { type ScalingParams, scaleDenseNet } from '../trainer/family/scaling.ts';
import { buildDenseNet } from '../trainer/model/build-densenet.ts';
import { DEFAULT_GRID, makeCandidates } from '../trainer/search/candidates.ts';
import { measureLatencyMs } from '../trainer/search/latency.ts';
import { weightedBce } from '../trainer/train/loss.ts';

const STEPS = Number(process.env.CXR_BENCH_TRAIN_STEPS ?? 3);
/** The bundled baseline's family member (its manifest's scaling and head), so the figures follow the shipped model. */
const { BASELINE, CAM_FROM_BLOCK, CLASSES } = (() => {
  const manifest = JSON.parse(readFileSync(new URL('../models/baseline/manifest.json', import.meta.url), 'utf8')) as {
    classes: string[];
    architecture: { scaling: ScalingParams; camFromBlock?: number | null };
  };
  const { baseResolution: _base, ...scaling } = manifest.architecture.scaling;
  return {
    BASELINE: scaling as ScalingParams,
    CAM_FROM_BLOCK: manifest.architecture.camFromBlock ?? 0,
    CLASSES: manifest.classes.length,
  };
})();
const head = CAM_FROM_BLOCK ? { camFromBlock: CAM_FROM_BLOCK } : {};

async function trainImagesPerSecond(
  tf: typeof tfType,
  resolution: number,
  batch: number,
  steps: number,
): Promise<number> {
  const arch = scaleDenseNet({ ...BASELINE, baseResolution: resolution });
  const model = buildDenseNet(tf, arch, { inChannels: 1, classes: CLASSES, ...head });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, arch.resolution, arch.resolution, 1]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % CLASSES),
      'int32',
    ),
    CLASSES,
  ) as tfType.Tensor2D;
  const w = tf.tensor1d(new Array<number>(CLASSES).fill(1));
  const step = async () => {
    const loss = opt.minimize(() => weightedBce(tf, y, model.apply(x, { training: true }) as tfType.Tensor2D, w), true);
    await loss!.data();
    loss!.dispose();
  };
  await step();
  const t = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - t) / 1000;
  model.dispose();
  opt.dispose();
  tf.dispose([x, y, w]);
  return (batch * steps) / seconds;
}

export async function run(): Promise<void> {
  const wanted: TrainingBackend[] = ['tensorflow', 'wasm'];
  if (process.env.CXR_BENCH_TRAIN_CPU === '1') wanted.push('cpu');
  let wasm: SelectedBackend | null = null;
  process.stdout.write(
    `train step images/s, family member ${JSON.stringify(BASELINE)} (camFromBlock ${CAM_FROM_BLOCK}), batch 16 (cpu: 2)\n`,
  );
  process.stdout.write('| backend | resolution | MMACs/img | img/s |\n| --- | --- | --- | --- |\n');
  for (const name of wanted) {
    let selected: SelectedBackend;
    try {
      selected = await selectBackend(name);
    } catch {
      process.stdout.write(`| ${name} | - | - | not available here |\n`);
      continue;
    }
    if (name === 'wasm') wasm = selected;
    for (const resolution of name === 'cpu' ? [64] : [96, 128, 160]) {
      const macs = denseNetCost(scaleDenseNet({ ...BASELINE, baseResolution: resolution }), {
        inChannels: 1,
        classes: CLASSES,
        ...head,
      }).macs;
      const ips = await trainImagesPerSecond(
        selected.tf,
        resolution,
        name === 'cpu' ? 2 : 16,
        name === 'cpu' ? 1 : STEPS,
      );
      process.stdout.write(`| ${name} | ${resolution} | ${(macs / 1e6).toFixed(1)} | ${ips.toFixed(2)} |\n`);
    }
  }
  if (!wasm) wasm = await selectBackend('wasm');
  process.stdout.write('\nMACs vs OpenVINO CPU latency (median of 20, batch 1, random weights)\n');
  process.stdout.write('| candidate | MMACs | params (M) | OpenVINO ms |\n| --- | --- | --- | --- |\n');
  for (const c of makeCandidates(DEFAULT_GRID, 128, Number.POSITIVE_INFINITY)) {
    const ms = await measureLatencyMs(wasm.tf, c.arch).catch(() => null);
    process.stdout.write(
      `| ${c.id} | ${(c.cost.macs / 1e6).toFixed(1)} | ${(c.cost.params / 1e6).toFixed(3)} | ${ms === null ? 'n/a' : ms.toFixed(2)} |\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
