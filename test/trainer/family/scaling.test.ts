import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pyRound } from '../../../trainer/family/python-math.ts';
import { defaultBeta, scaleDenseNet, seedBlocks, seedChannels } from '../../../trainer/family/scaling.ts';

test('python round is half-to-even', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(pyRound), [0, 2, 2, 0, 2, 3]);
});

test('alpha = beta = phi = 1 is DenseNet-121', () => {
  const a = scaleDenseNet({ alpha: 1, beta: 1, phi: 1 });
  assert.deepEqual(a.blocks, [6, 12, 24, 16]);
  assert.equal(a.growth, 32);
  assert.equal(a.stem, 64);
  assert.equal(a.bnSize, 4);
  assert.equal(a.resolution, 224);
});

test('beta defaults to round(sqrt(2/alpha), 3) and is raised to phi', () => {
  assert.equal(defaultBeta(1.833), 1.045);
  assert.equal(defaultBeta(2), 1);
  const a = scaleDenseNet({ alpha: 1.833, phi: 1 });
  assert.equal(a.effective.beta, 1.045);
  assert.deepEqual(a.blocks, [10, 21, 43, 29]);
  // growth round(1.045/1.833*32) = round(18.24) = 18; bottleneck round(1.833*4) = 7
  assert.equal(a.growth, 18);
  assert.equal(a.bnSize, 7);
});

test("the seed's published setting alpha 1.833, beta 1.044, phi -0.1", () => {
  const a = scaleDenseNet({ alpha: 1.833, beta: 1.044, phi: -0.1 });
  assert.ok(Math.abs(a.effective.alpha - 1.833 ** -0.1) < 1e-12);
  assert.deepEqual(a.blocks, [5, 11, 22, 15]);
  assert.equal(a.growth, 34);
  assert.equal(a.bnSize, 4);
  // width_temp = 34*15 + (34*22 + (34*11 + (34*5)//2)//2)//2 = 510 + 488 = 998 -> int(8*(1024*b - 998)) = 172
  assert.equal(a.stem, Math.trunc(8 * (1024 * 1.044 ** -0.1 - 998)));
  assert.equal(a.stem, 172);
});

test('stem below 32 lowers growth until it fits (seed rule)', () => {
  const blocks = seedBlocks(1);
  // beta slightly below 1: width_temp(32) = 1016 > 1024*0.99 -> growth drops
  const c = seedChannels(blocks, 1, 0.99);
  assert.ok(c.stem >= 32);
  assert.ok(c.growth < 32);
});

test('resolution scaling and edge variants', () => {
  const a = scaleDenseNet({ alpha: 1, beta: 1, phi: 2, gamma: 0.75 });
  assert.equal(a.resolution, 128); // 224 * 0.5625 = 126 -> 128
  const narrow = scaleDenseNet({ alpha: 1, beta: 1, phi: 1, width: 0.5 });
  assert.equal(narrow.growth, 16);
  assert.equal(narrow.stem, 32);
  const shallow = scaleDenseNet({ alpha: 1, beta: 1, phi: 1, stages: 3 });
  assert.deepEqual(shallow.blocks, [6, 12, 24]);
  assert.throws(() => scaleDenseNet({ alpha: 0.1, phi: 1 }), /CXR_ERR_SCALING|empty dense block/);
});
