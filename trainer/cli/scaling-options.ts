/** Commander options shared by `cxr train`, `cxr search`: the family member and its parsing. */
import type { Command } from 'commander';
import type { ScalingParams } from '../family/scaling.ts';

export interface ScalingCliOptions {
  alpha: string;
  beta?: string;
  phi: string;
  gamma?: string;
  resolution?: string;
  width?: string;
  stages?: string;
}

export function addScalingOptions(cmd: Command): Command {
  return cmd
    .option('--alpha <n>', 'depth coefficient (seed)', '1')
    .option('--beta <n>', 'width coefficient (seed; default round(sqrt(2/alpha), 3))')
    .option('--phi <n>', 'compound exponent (seed)', '1')
    .option('--gamma <n>', 'resolution coefficient (gamma^phi scales --resolution)', '1')
    .option('--resolution <px>', 'base resolution that gamma scales (snapped to a multiple of 32)', '128')
    .option('--width <n>', 'narrow edge variant: growth and stem multiplier', '1')
    .option('--stages <n>', 'shallow edge variant: dense blocks kept (3 or 4)', '4');
}

export function scalingFrom(o: ScalingCliOptions): ScalingParams {
  return {
    alpha: Number(o.alpha),
    ...(o.beta !== undefined ? { beta: Number(o.beta) } : {}),
    phi: Number(o.phi),
    gamma: Number(o.gamma ?? 1),
    baseResolution: Number(o.resolution ?? 128),
    width: Number(o.width ?? 1),
    stages: Number(o.stages ?? 4) === 3 ? 3 : 4,
  };
}
