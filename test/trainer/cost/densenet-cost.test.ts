import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { denseNetCost } from '../../../trainer/cost/densenet-cost.ts';
import { scaleDenseNet } from '../../../trainer/family/scaling.ts';
import { buildDenseNet, trainableParams } from '../../../trainer/model/build-densenet.ts';

test('DenseNet-121 at 224 with a 3-class head: 2.88 GMACs, 6.96 M params', () => {
  const cost = denseNetCost(scaleDenseNet({ alpha: 1, beta: 1, phi: 1 }), { inChannels: 3, classes: 3 });
  assert.equal(cost.params, 6_956_931); // torchvision densenet121 features 6,953,856 + 1024*3 + 3
  assert.equal(Number((cost.macs / 1e9).toFixed(2)), 2.88);
  assert.equal(Number((cost.convMacs / 1e9).toFixed(2)), 2.83);
  assert.equal(cost.featureChannels, 1024);
  assert.equal(cost.featureSize, 7);
});

test('analytic params equal the built tfjs model (trainable and BN statistics)', async () => {
  await tf.setBackend('cpu');
  for (const params of [
    { alpha: 0.5, phi: 1, width: 0.25, baseResolution: 64 },
    { alpha: 1.833, beta: 1.044, phi: -0.1, width: 0.125, stages: 3 as const, baseResolution: 64 },
  ]) {
    const arch = scaleDenseNet(params);
    const cost = denseNetCost(arch, { inChannels: 1, classes: 3 });
    const model = buildDenseNet(tf, arch, { inChannels: 1, classes: 3 });
    assert.equal(trainableParams(model), cost.params);
    assert.equal(model.countParams() - trainableParams(model), cost.nonTrainable);
    const out = model.outputs[0]!.shape;
    assert.deepEqual(out, [null, 3]);
    model.dispose();
  }
});
