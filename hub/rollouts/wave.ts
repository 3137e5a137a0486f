/**
 * A rollout wave (docs/rollout.md): `{agents: k}` or `{percent: p}` of the rollout's target, cumulative —
 * wave n covers the first `k` or `ceil(p% × N)` agents of the target, never more than N.
 */
import { type Static, Type } from '@sinclair/typebox';

export const RolloutWaveSchema = Type.Union([
  Type.Object({ agents: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false }),
  Type.Object({ percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) }, { additionalProperties: false }),
]);
export type RolloutWave = Static<typeof RolloutWaveSchema>;

/** Canary, a quarter, then everyone. */
export const DEFAULT_WAVES: RolloutWave[] = [{ agents: 1 }, { percent: 25 }, { percent: 100 }];

/** How many of `targetCount` agents the wave covers in total (cumulative, with earlier waves). */
export function waveCount(wave: RolloutWave, targetCount: number): number {
  if ('agents' in wave) return Math.min(targetCount, wave.agents);
  // The epsilon keeps binary fractions from rounding up: 10% of 30 is 3.0000000000000004, which means 3.
  return Math.min(targetCount, Math.ceil((wave.percent * targetCount) / 100 - 1e-9));
}
