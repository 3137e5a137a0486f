/** What `cxr train` needs, and what it leaves in its output folder (`train-state.json`). */
import type { BackendPreference } from '../backend/select-backend.ts';
import type { ModelCost } from '../cost/densenet-cost.ts';
import type { DenseNetArch, ScalingParams } from '../family/scaling.ts';
import type { HeadActivation } from '../model/build-densenet.ts';

export interface TrainConfig {
  cacheDir: string;
  outDir: string;
  scaling: ScalingParams;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Epochs without a better mean validation AUROC before stopping. */
  patience: number;
  seed: number;
  head: HeadActivation;
  augment: boolean;
  /** Cap of the per-class positive weight (class weights). */
  maxPosWeight: number;
  resume: boolean;
  backend: BackendPreference;
  /** Use only the first N training images (smoke tests, low-fidelity search rungs). */
  maxTrainImages?: number;
  /** Dropout before the classifier. */
  dropout: number;
  /** Stop after this many seconds (whole epochs only). */
  timeBudgetS?: number;
  /** Stop after this many epochs while the schedule still spans `epochs` (reproduces a time-budgeted run). */
  stopAfterEpochs?: number;
  /** Multi-scale head: this dense block also feeds the classifier and gives the CAM grid (0 or absent: last map). */
  camFromBlock?: number;
  /** Images drawn per epoch, an equal share per site (default: the number of training images). */
  samplesPerEpoch?: number;
}

export const DEFAULT_TRAIN: Omit<TrainConfig, 'cacheDir' | 'outDir' | 'scaling'> = {
  epochs: 40,
  batchSize: 16,
  lr: 2e-3,
  patience: 8,
  seed: 42,
  head: 'sigmoid',
  augment: true,
  maxPosWeight: 10,
  resume: false,
  backend: 'auto',
  dropout: 0.2,
  camFromBlock: 2,
};

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Pooled over sites, per class. */
  valAuroc: (number | null)[];
  /** Per site, per class. */
  valAurocBySite?: Record<string, (number | null)[]>;
  /** The selection score: mean over sites of each site's mean over defined classes (trainer/metrics/per-site.ts). */
  valMeanAuroc: number | null;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainState {
  config: TrainConfig;
  classes: string[];
  arch: DenseNetArch;
  cost: ModelCost;
  /** Train-split pixel statistics: the manifest's input mean/std. */
  normalisation: { mean: number; std: number };
  backend: string;
  history: EpochRecord[];
  bestEpoch: number;
  bestValMeanAuroc: number | null;
  done: boolean;
}
