/**
 * Search space (pure): family members (alpha, beta, phi, gamma + edge variants) with their analytic cost,
 * filtered by a MACs budget. The default grid spans depth (alpha^phi), width (seed rule + narrow
 * multiplier), 3 or 4 dense blocks and resolution (gamma^phi on a 128 px base).
 */
import { denseNetCost, type ModelCost } from '../cost/densenet-cost.ts';
import { archName, type DenseNetArch, type ScalingParams, scaleDenseNet } from '../family/scaling.ts';

export interface Candidate {
  id: string;
  scaling: ScalingParams;
  arch: DenseNetArch;
  cost: ModelCost;
}

export const DEFAULT_GRID: ScalingParams[] = [
  { alpha: 1, beta: 1, phi: 1, width: 0.25 },
  { alpha: 1, beta: 1, phi: 1, width: 0.375 },
  { alpha: 1.833, beta: 1.044, phi: -0.1, width: 0.25 },
  { alpha: 0.75, phi: 1, width: 0.25 },
  { alpha: 1, beta: 1, phi: 1, width: 0.25, stages: 3 },
  { alpha: 1, beta: 1, phi: 1, width: 0.25, gamma: 1.25 },
  { alpha: 0.5, phi: 1, width: 0.125 },
  { alpha: 1, beta: 1, phi: 1, width: 0.5, stages: 3 },
];

export function makeCandidates(
  grid: ScalingParams[],
  baseResolution: number,
  macsBudget: number,
  classes = 3,
  camFromBlock = 0,
): Candidate[] {
  const out: Candidate[] = [];
  for (const s of grid) {
    const scaling = { ...s, baseResolution: s.baseResolution ?? baseResolution };
    const arch = scaleDenseNet(scaling);
    const cost = denseNetCost(arch, { inChannels: 1, classes, ...(camFromBlock ? { camFromBlock } : {}) });
    if (cost.macs <= macsBudget) out.push({ id: archName(arch), scaling, arch, cost });
  }
  return out.filter((c, i) => out.findIndex((d) => d.id === c.id) === i);
}

/** Non-dominated candidates: no other has fewer-or-equal MACs and a higher-or-equal score (one strictly). */
export function paretoFront<T extends { macs: number; score: number | null }>(rows: T[]): T[] {
  const scored = rows.filter((r) => r.score !== null);
  return scored.filter(
    (r) =>
      !scored.some(
        (o) => o !== r && o.macs <= r.macs && o.score! >= r.score! && (o.macs < r.macs || o.score! > r.score!),
      ),
  );
}

/** Successive halving rung sizes: keep ceil(n / eta) each rung. */
export function rungSizes(n: number, rungs: number, eta: number): number[] {
  const sizes = [n];
  for (let r = 1; r < rungs; r++) sizes.push(Math.max(1, Math.ceil(sizes[r - 1]! / eta)));
  return sizes;
}
