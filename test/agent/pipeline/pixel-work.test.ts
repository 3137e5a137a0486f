/** How the agent lays out its pixel work (agent/pipeline/pixel-work.ts): workers, detectors, their threads, memory. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAgentConfig } from '../../../agent/config.ts';
import { planPixelWork } from '../../../agent/pipeline/pixel-work.ts';
import { detectorGrowthBytes } from '../../../models/deid/detector-memory.ts';
import { minimalAgentConfig } from '../fixture.ts';

const base = minimalAgentConfig('pixel-work');
const config = (extra: Record<string, unknown> = {}) => parseAgentConfig({ ...base, ...extra }, '/');

it('by default: one worker per core, one detector per GiB of budget holding the cores it leaves', () => {
  const two = planPixelWork(config(), 2);
  assert.deepEqual([two.poolSize, two.renderers, two.textDetection?.threads], [2, 1, 2]);
  assert.equal(two.detectorsGrowthBytes, detectorGrowthBytes(640));
  const big = planPixelWork(config({ memoryBudgetBytes: 4 * 2 ** 30 }), 8);
  assert.deepEqual([big.poolSize, big.renderers, big.textDetection?.threads], [8, 4, 2]);
  assert.equal(big.detectorsGrowthBytes, 4 * detectorGrowthBytes(640));
  const small = planPixelWork(config({ memoryBudgetBytes: 4 * 2 ** 30 }), 2);
  assert.equal(small.renderers, 2, 'never more detectors than workers');
  assert.equal(small.textDetection?.threads, 1);
});

it('follows the configured workers, detectors, threads, side and runtime', () => {
  const plan = planPixelWork(
    config({
      workers: 3,
      model: { dir: '/tmp/model', runtime: 'onnxruntime' },
      pixels: { textDetectors: 2, textDetectionThreads: 4, textDetectionSide: 320, keepLaterality: false },
    }),
    16,
  );
  assert.equal(plan.poolSize, 3);
  assert.equal(plan.renderers, 2);
  assert.deepEqual(plan.textDetection, { side: 320, keepLaterality: false, runtime: 'onnxruntime', threads: 4 });
  assert.equal(plan.detectorsGrowthBytes, 2 * detectorGrowthBytes(320));
});

it('with pixel policy none: no detector, nothing kept aside for one', () => {
  const plan = planPixelWork(config({ sendPixels: false }), 2);
  assert.equal(plan.textDetection, undefined);
  assert.equal(plan.detectorsGrowthBytes, 0);
});
