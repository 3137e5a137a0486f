/**
 * Compound scaling of DenseNet-121, reproducing the seed exactly and adding what it lacked.
 *
 * Seed: openvinotoolkit/training_extensions, misc/pytorch_toolkit/chest_xray_screening:
 * - `chest_xray_screening/train.py` (main): `if beta is None: beta = round(sqrt(2 / alpha), 3)`,
 *   then `alpha = alpha ** phi`, `beta = beta ** phi`.
 * - `chest_xray_screening/utils/generate.py`: `new_lengths` (blocks `int(alpha * l)` for l in 6,12,24,16),
 *   `new_channels` (growth `round(beta / alpha * 32)`, bottleneck `round(alpha * 4)`, stem
 *   `int(8 * (1024 * beta - width_temp))` raised by lowering growth while below 32).
 * Added here: resolution scaling (`gamma ** phi` on a base resolution, snapped to a multiple of 32) and
 * edge variants: `width` (narrow: multiplies growth and stem after the seed rule) and `stages` (shallow:
 * 3 dense blocks instead of 4).
 */
import { CxrError } from '../../models/errors.ts';
import { pyFloorDiv, pyInt, pyRound, pyRoundTo } from './python-math.ts';

export const BASE_BLOCKS = [6, 12, 24, 16] as const;
export const BASE_GROWTH = 32;
export const BASE_BN_SIZE = 4;
export const MIN_CHANNELS = 32;
export const CHANNEL_FACTOR = 8;

export interface ScalingParams {
  alpha: number;
  /** When absent: round(sqrt(2 / alpha), 3), as the seed does. */
  beta?: number;
  phi: number;
  /** Resolution coefficient (not in the seed); default 1. */
  gamma?: number;
  /** Resolution that gamma scales; default 224. */
  baseResolution?: number;
  /** Narrow edge variant: multiplier on growth and stem width after the seed rule; default 1. */
  width?: number;
  /** Shallow edge variant: number of dense blocks kept (3 or 4); default 4. */
  stages?: 3 | 4;
}

export interface DenseNetArch {
  blocks: number[];
  growth: number;
  bnSize: number;
  stem: number;
  resolution: number;
  /** Transition compression (DenseNet-BC): 0.5. */
  compression: number;
  /** The effective coefficients after `** phi`. */
  effective: { alpha: number; beta: number; gamma: number };
}

/** The seed's `new_lengths`. */
export function seedBlocks(alpha: number): number[] {
  return BASE_BLOCKS.map((l) => pyInt(alpha * l));
}

function widthTemp(gw: number, blocks: number[]): number {
  const [l1, l2, l3, l4] = blocks as [number, number, number, number];
  return gw * l4 + pyFloorDiv(gw * l3 + pyFloorDiv(gw * l2 + pyFloorDiv(gw * l1, 2), 2), 2);
}

/** The seed's `new_channels` (returns growth, stem, bottleneck size). */
export function seedChannels(
  blocks: number[],
  alpha: number,
  beta: number,
): { growth: number; stem: number; bnSize: number } {
  let growth = pyRound((beta / alpha) * BASE_GROWTH);
  const bnSize = pyRound(alpha * BASE_BN_SIZE);
  let stem = pyInt(CHANNEL_FACTOR * (1024 * beta - widthTemp(growth, blocks)));
  while (stem < MIN_CHANNELS) {
    growth -= 1;
    if (growth < 1) throw new CxrError('CXR_ERR_SCALING', `no valid growth rate for alpha=${alpha} beta=${beta}`);
    stem = pyInt(CHANNEL_FACTOR * (1024 * beta - widthTemp(growth, blocks)));
  }
  return { growth, stem, bnSize };
}

/** The seed's beta default: round(sqrt(2 / alpha), 3). */
export function defaultBeta(alpha: number): number {
  return pyRoundTo(Math.sqrt(2 / alpha), 3);
}

function snap32(x: number): number {
  return Math.max(32, pyRound(x / 32) * 32);
}

export function scaleDenseNet(params: ScalingParams): DenseNetArch {
  const { alpha, phi } = params;
  if (!(alpha > 0) || !Number.isFinite(phi)) {
    throw new CxrError('CXR_ERR_SCALING', `alpha must be > 0 and phi finite (alpha=${alpha}, phi=${phi})`);
  }
  const beta0 = params.beta ?? defaultBeta(alpha);
  const gamma0 = params.gamma ?? 1;
  const a = alpha ** phi;
  const b = beta0 ** phi;
  const g = gamma0 ** phi;
  const blocks4 = seedBlocks(a);
  if (blocks4.some((n) => n < 1)) throw new CxrError('CXR_ERR_SCALING', `alpha^phi=${a} gives an empty dense block`);
  const seed = seedChannels(blocks4, a, b);
  if (seed.bnSize < 1) throw new CxrError('CXR_ERR_SCALING', `alpha^phi=${a} gives a bottleneck size below 1`);
  const width = params.width ?? 1;
  const stages = params.stages ?? 4;
  return {
    blocks: blocks4.slice(0, stages),
    growth: Math.max(4, pyRound(seed.growth * width)),
    stem: Math.max(8, pyRound(seed.stem * width)),
    bnSize: seed.bnSize,
    resolution: snap32((params.baseResolution ?? 224) * g),
    compression: 0.5,
    effective: { alpha: a, beta: b, gamma: g },
  };
}

/** Short human name of an architecture, e.g. `b5-11-22-15_g34_s48_r128`. */
export function archName(arch: DenseNetArch): string {
  return `b${arch.blocks.join('-')}_g${arch.growth}_s${arch.stem}_bn${arch.bnSize}_r${arch.resolution}`;
}
