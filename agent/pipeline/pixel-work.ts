/**
 * How the agent's pixel work is laid out, and its start. `planPixelWork` (pure): from the config and the cores,
 * the pool's size, how many of its workers hold a text detector (one per GiB of memory budget unless configured:
 * a detector ~250 MB and a huge film on its way ~350 MB), the detectors' options — on the model's runtime choice,
 * with the cores the pool shares out among them (rendering is the bottleneck when pixels leave: docs/agent.md
 * "Measured") — and the memory they take after start-up (models/deid/detector-memory.ts). With pixel policy
 * `none` no worker holds a detector. `startPixelWork`: the pool (detectors loaded when it resolves) and memory
 * admission against what is left of the budget once it runs.
 */
import type { Logger } from 'pino';
import { detectorGrowthBytes } from '../../models/deid/detector-memory.ts';
import type { TextDetectorOptions } from '../../models/deid/text-detector.ts';
import type { AgentConfig } from '../config.ts';
import { filesBudgetBytes, MemoryAdmission } from './memory-admission.ts';
import { PixelPool } from './pool/pixel-pool.ts';

type PixelConfig = Pick<AgentConfig, 'pixels' | 'model' | 'workers' | 'memoryBudgetBytes'>;

export interface PixelWorkPlan {
  poolSize: number;
  renderers: number;
  textDetection?: TextDetectorOptions;
  /** Bytes the detectors will still take after start-up, kept aside from the files' budget. */
  detectorsGrowthBytes: number;
}

export function planPixelWork(config: PixelConfig, cores: number): PixelWorkPlan {
  const poolSize = config.workers || cores;
  const renderers = Math.min(
    poolSize,
    config.pixels.textDetectors || Math.max(1, Math.floor(config.memoryBudgetBytes / 2 ** 30)),
  );
  if ((config.pixels.policy ?? 'none') === 'none') return { poolSize, renderers, detectorsGrowthBytes: 0 };
  const textDetection: TextDetectorOptions = {
    side: config.pixels.textDetectionSide,
    keepLaterality: config.pixels.keepLaterality,
    runtime: config.model.runtime,
    threads: config.pixels.textDetectionThreads || Math.max(1, Math.floor(poolSize / renderers)),
    ...(config.model.openvinoLib ? { openvinoLibPath: config.model.openvinoLib } : {}),
  };
  return {
    poolSize,
    renderers,
    textDetection,
    detectorsGrowthBytes: renderers * detectorGrowthBytes(textDetection.side),
  };
}

export async function startPixelWork(
  config: PixelConfig,
  plan: PixelWorkPlan,
  log: Logger,
  workerUrl?: URL,
): Promise<{ pool: PixelPool; memory: MemoryAdmission }> {
  const pool = await PixelPool.start({
    size: plan.poolSize,
    init: plan.textDetection ? { textDetection: plan.textDetection } : {},
    renderers: plan.renderers,
    log,
    ...(workerUrl ? { workerUrl } : {}),
  });
  const budget = filesBudgetBytes(config.memoryBudgetBytes, process.memoryUsage.rss(), plan.detectorsGrowthBytes);
  return { pool, memory: new MemoryAdmission(budget) };
}
