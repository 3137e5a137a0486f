import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { writeOnnx } from '../../../models/onnx/write-onnx.ts';
import { hwioToOihw, tfjsToOnnxGraph } from '../../../trainer/export/tfjs-to-onnx-graph.ts';
import { chooseThresholds } from '../../../trainer/export/thresholds.ts';
import { scaleDenseNet } from '../../../trainer/family/scaling.ts';
import { buildDenseNet } from '../../../trainer/model/build-densenet.ts';

test('HWIO -> OIHW', () => {
  // kh=1, kw=2, ci=2, co=3: value = 100*y + 10*x... encode (x, i, o)
  const hwio = new Float32Array(12);
  for (let x = 0; x < 2; x++)
    for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) hwio[(x * 2 + i) * 3 + o] = x * 100 + i * 10 + o;
  const oihw = hwioToOihw(hwio, [1, 2, 2, 3]);
  for (let o = 0; o < 3; o++)
    for (let i = 0; i < 2; i++)
      for (let x = 0; x < 2; x++) assert.equal(oihw[(o * 2 + i) * 2 + x], x * 100 + i * 10 + o);
});

test('graph of a family member: NCHW input, SAME_UPPER convs, channel concats, sigmoid head, CAM', async () => {
  await tf.setBackend('cpu');
  const arch = scaleDenseNet({ alpha: 0.5, phi: 1, width: 0.0625, stages: 3, baseResolution: 32 });
  const model = buildDenseNet(tf, arch, { inChannels: 1, classes: 3 });
  const g = tfjsToOnnxGraph(model);
  assert.deepEqual(g.input, { name: 'input', channels: 1, height: 32, width: 32 });
  const convs = g.nodes.filter((n) => n.op === 'conv');
  assert.equal(convs.length, 1 + 2 * arch.blocks.reduce((a, b) => a + b, 0) + (arch.blocks.length - 1));
  assert.ok(convs.every((n) => n.op === 'conv' && n.pads === 'SAME_UPPER'));
  assert.deepEqual(convs[0]!.op === 'conv' && convs[0]!.weightShape, [arch.stem, 1, 7, 7]);
  assert.equal(
    g.nodes.filter((n) => n.op === 'concat').length,
    arch.blocks.reduce((a, b) => a + b, 0),
  );
  assert.equal(g.nodes.at(-1)!.op, 'sigmoid');
  assert.equal(g.probabilities, 'classifier');
  assert.equal(g.cam.classifier, 'classifier_logits');
  const softmax = buildDenseNet(tf, arch, { inChannels: 1, classes: 3, head: 'softmax' });
  assert.throws(() => tfjsToOnnxGraph(softmax), /CXR_ERR_EXPORT_UNSUPPORTED|sigmoid only/);
});

test('thresholds are chosen on validation at the target sensitivity; no positives -> 0.5 marked', () => {
  // 2 classes, 5 images: class 0 positives are images 0, 1, 2 with scores 0.9, 0.6, 0.3
  const scores = Float32Array.from([0.9, 0.1, 0.6, 0.2, 0.3, 0.3, 0.5, 0.4, 0.1, 0.2]);
  const t = chooseThresholds(['A', 'B'], scores, [0, 0, 0, 2, 2], { A: 0.6 });
  assert.equal(t.A!.threshold, Math.fround(0.6)); // 2 of 3 positives >= 0.6
  assert.equal(t.A!.chosenOn, 'validation');
  assert.equal(t.B!.threshold, 0.5);
  assert.match(t.B!.chosenOn, /no validation positives/);
});

test('multi-scale head: CAM on the finer grid, its spatial mean is the logit, ONNX Runtime matches tfjs', async () => {
  await tf.setBackend('cpu');
  const arch = scaleDenseNet({ alpha: 0.5, phi: 1, width: 0.0625, stages: 3, baseResolution: 64 });
  const model = buildDenseNet(tf, arch, { inChannels: 1, classes: 2, camFromBlock: 2, seed: 3 });
  const g = tfjsToOnnxGraph(model);
  assert.equal(g.cam.featureMap, 't2_relu');
  assert.deepEqual(g.cam.coarserMaps, ['final_relu']);
  const session = await ort.InferenceSession.create(writeOnnx(g));
  const x = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i / 37) + ((i * 7) % 13) / 13);
  const out = await session.run({ input: new ort.Tensor('float32', x, [1, 1, 64, 64]) });
  const cam = out.cam!;
  assert.deepEqual(cam.dims, [1, 2, 8, 8]);
  const want = (model.predict(tf.tensor4d(x, [1, 64, 64, 1])) as tf.Tensor).dataSync();
  const probs = out.probabilities!.data as Float32Array;
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(probs[k]! - want[k]!) < 1e-5);
    const plane = (cam.data as Float32Array).subarray(k * 64, (k + 1) * 64);
    const logit = plane.reduce((s, v) => s + v, 0) / 64;
    assert.ok(Math.abs(1 / (1 + Math.exp(-logit)) - probs[k]!) < 1e-5);
  }
  await session.release();
});
