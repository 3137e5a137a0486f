/**
 * The training loop: tfjs layers model, Adam with a warm-up + cosine learning rate, weighted BCE (or
 * softmax CE), seeded augmentation and per-site balanced sampling (trainer/data/site-sampling.ts), validation
 * AUROC per site after every epoch, checkpoints `last` (every epoch, for --resume) and `best` (best score: the
 * mean over sites of the per-site mean AUROC, trainer/metrics/per-site.ts), early stopping on that score.
 * Progress goes to `onEpoch`/`onBatch` callbacks (the CLI draws the bar); state to `<outDir>/train-state.json`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { selectBackend } from '../backend/select-backend.ts';
import { denseNetCost } from '../cost/densenet-cost.ts';
import { augmentImage } from '../data/augment.ts';
import { loadPixels, readIndex } from '../data/prepare-cache.ts';
import { mulberry32 } from '../data/random.ts';
import { balancedEpoch } from '../data/site-sampling.ts';
import { scaleDenseNet } from '../family/scaling.ts';
import { perClassAuroc } from '../metrics/per-class.ts';
import { perSiteAuroc } from '../metrics/per-site.ts';
import { buildDenseNet } from '../model/build-densenet.ts';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { positiveWeights, weightedBce, weightedCce } from './loss.ts';
import type { EpochRecord, TrainConfig, TrainState } from './train-config.ts';

export interface TrainHooks {
  logger?: Logger;
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number }) => void;
  onEpoch?: (record: EpochRecord, state: TrainState) => void;
}

export function pixelStats(pixels: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i++) {
    sum += pixels[i]!;
    sq += pixels[i]! * pixels[i]!;
  }
  const mean = sum / pixels.length;
  return { mean, std: Math.sqrt(Math.max(1e-12, sq / pixels.length - mean * mean)) };
}

/** Scores [n, classes] of normalised images (NHWC = NCHW for one channel), in batches. */
export async function predictScores(
  tf: typeof tfType,
  model: tfType.LayersModel,
  pixels: Float32Array,
  size: number,
  norm: { mean: number; std: number },
  batchSize = 32,
): Promise<Float32Array> {
  const plane = size * size;
  const n = pixels.length / plane;
  const classes = model.outputs[0]!.shape[1] as number;
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const scores = tf.tidy(() => {
      const x = tf.tensor4d(pixels.subarray(i * plane, (i + m) * plane), [m, size, size, 1]);
      return model.predict(tf.div(tf.sub(x, norm.mean), norm.std)) as tfType.Tensor;
    });
    out.set((await scores.data()) as Float32Array, i * classes);
    scores.dispose();
  }
  return out;
}

export function learningRate(base: number, epoch: number, epochs: number): number {
  if (epoch === 0) return base * 0.3;
  return base * 0.5 * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)));
}

export async function trainModel(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainState> {
  const log = hooks.logger?.child({ component: 'trainer' });
  const { tf, name: backend } = await selectBackend(config.backend, { logger: log });
  const index = await readIndex(config.cacheDir);
  const arch = scaleDenseNet(config.scaling);
  const R = arch.resolution;
  const plane = R * R;
  const pixels = await loadPixels(config.cacheDir, index, R);
  const classes = index.classes;
  const K = classes.length;
  const nTrain = Math.min(index.splits.train.length, config.maxTrainImages ?? Number.POSITIVE_INFINITY);
  const trainLabels = index.splits.train.slice(0, nTrain).map((i) => i.label);
  const trainSites = index.splits.train.slice(0, nTrain).map((i) => i.site ?? index.source);
  const valLabels = index.splits.val.map((i) => i.label);
  const valSites = index.splits.val.map((i) => i.site ?? index.source);
  const trainPixels = pixels.train.subarray(0, nTrain * plane);
  const normalisation = pixelStats(trainPixels);
  const cost = denseNetCost(arch, {
    inChannels: 1,
    classes: K,
    ...(config.camFromBlock ? { camFromBlock: config.camFromBlock } : {}),
  });
  await mkdir(config.outDir, { recursive: true });

  const model = buildDenseNet(tf, arch, {
    inChannels: 1,
    classes: K,
    head: config.head,
    seed: config.seed,
    dropout: config.dropout,
    ...(config.camFromBlock ? { camFromBlock: config.camFromBlock } : {}),
  });
  const optimizer = tf.train.adam(config.lr);
  const weights = tf.tensor1d(positiveWeights(trainLabels, K, config.maxPosWeight));
  const statePath = join(config.outDir, 'train-state.json');
  let state: TrainState = {
    config,
    classes,
    arch,
    cost,
    normalisation,
    backend,
    history: [],
    bestEpoch: -1,
    bestValMeanAuroc: null,
    done: false,
  };
  if (config.resume && hasCheckpoint(config.outDir, 'last')) {
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as TrainState;
    await loadCheckpoint(tf, config.outDir, 'last', model, optimizer);
    state = { ...saved, config, backend, done: false };
    log?.info({ epoch: state.history.length }, 'resumed from last checkpoint');
  }
  // The input normalisation is the run's, fixed at its first epoch: a run resumed on another cache (a fine-tune on
  // new reads) keeps training on what its weights learnt, and export writes the same values into the package.
  const norm = state.normalisation;
  log?.info({ backend, arch, macs: cost.macs, params: cost.params, nTrain, nVal: valLabels.length }, 'training');
  const started = Date.now();
  const samples = config.samplesPerEpoch ?? nTrain;
  const batches = Math.ceil(samples / config.batchSize);
  for (let epoch = state.history.length; epoch < config.epochs && !state.done; epoch++) {
    const t0 = Date.now();
    const rng = mulberry32(config.seed * 1000 + epoch);
    const order = balancedEpoch(trainSites, samples, rng);
    const lr = learningRate(config.lr, epoch, config.epochs);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    let lossSum = 0;
    for (let b = 0; b < batches; b++) {
      const ids = order.slice(b * config.batchSize, (b + 1) * config.batchSize);
      const xb = new Float32Array(ids.length * plane);
      const yb = new Float32Array(ids.length * K);
      ids.forEach((id, j) => {
        const img = trainPixels.subarray(id * plane, (id + 1) * plane);
        xb.set(config.augment ? augmentImage(img, R, rng) : img, j * plane);
        yb[j * K + trainLabels[id]!] = 1;
      });
      const lossT = tf.tidy(() => {
        const x = tf.div(tf.sub(tf.tensor4d(xb, [ids.length, R, R, 1]), norm.mean), norm.std);
        const y = tf.tensor2d(yb, [ids.length, K]);
        return optimizer.minimize(() => {
          const p = model.apply(x, { training: true }) as tfType.Tensor2D;
          return config.head === 'softmax' ? weightedCce(tf, y, p, weights) : weightedBce(tf, y, p, weights);
        }, true) as tfType.Scalar;
      });
      const loss = (await lossT.data())[0]!;
      lossT.dispose();
      lossSum += loss;
      hooks.onBatch?.({ epoch, batch: b + 1, batches, loss: lossSum / (b + 1) });
    }
    const trainSeconds = (Date.now() - t0) / 1000;
    const scores = await predictScores(tf, model, pixels.val, R, norm);
    const { perClass } = perClassAuroc(scores, valLabels, K);
    const { bySite, score: mean } = perSiteAuroc(scores, valLabels, valSites, K);
    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: lossSum / batches,
      valAuroc: perClass,
      valAurocBySite: bySite,
      valMeanAuroc: mean,
      lr,
      seconds: (Date.now() - t0) / 1000,
      imagesPerSecond: samples / trainSeconds,
    };
    state.history.push(record);
    if (mean !== null && (state.bestValMeanAuroc === null || mean > state.bestValMeanAuroc)) {
      state.bestValMeanAuroc = mean;
      state.bestEpoch = epoch + 1;
      await saveCheckpoint(config.outDir, 'best', model, null, { epoch: epoch + 1, valMeanAuroc: mean });
    }
    const stale = epoch + 1 - Math.max(state.bestEpoch, 0);
    const outOfTime = config.timeBudgetS !== undefined && (Date.now() - started) / 1000 > config.timeBudgetS;
    const stopped = config.stopAfterEpochs !== undefined && epoch + 1 >= config.stopAfterEpochs;
    if (stale >= config.patience || outOfTime || stopped || epoch + 1 >= config.epochs) state.done = true;
    await saveCheckpoint(config.outDir, 'last', model, optimizer, { epoch: epoch + 1 });
    await writeFile(statePath, `${JSON.stringify(state, null, 1)}\n`);
    log?.info({ ...record, best: state.bestValMeanAuroc, bestEpoch: state.bestEpoch }, 'epoch');
    hooks.onEpoch?.(record, state);
  }
  if (state.bestEpoch < 0) await saveCheckpoint(config.outDir, 'best', model, null, { epoch: state.history.length });
  state.done = true;
  await writeFile(statePath, `${JSON.stringify(state, null, 1)}\n`);
  model.dispose();
  weights.dispose();
  optimizer.dispose();
  return state;
}
