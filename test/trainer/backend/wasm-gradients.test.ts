/** The wasm backend with our gradient kernels gives the same gradients as the reference cpu backend. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackend } from '../../../trainer/backend/select-backend.ts';
import { scaleDenseNet } from '../../../trainer/family/scaling.ts';
import { buildDenseNet } from '../../../trainer/model/build-densenet.ts';

test('wasm gradients (our Conv2DBackpropFilter/Input, BN grad) match the cpu backend', async () => {
  const { tf, name } = await selectBackend('wasm');
  assert.equal(name, 'wasm');
  const arch = scaleDenseNet({ alpha: 0.5, phi: 1, width: 0.125, stages: 3, baseResolution: 32 });
  const gradsOn = async (backend: string, weights?: import('@tensorflow/tfjs').Tensor[]) => {
    await tf.setBackend(backend);
    const model = buildDenseNet(tf, arch, { inChannels: 1, classes: 3, seed: 7 });
    if (weights) model.setWeights(weights);
    const x = tf.randomNormal([3, arch.resolution, arch.resolution, 1], 0, 1, 'float32', 3);
    const y = tf.tensor2d([1, 0, 0, 0, 1, 0, 1, 0, 1], [3, 3]);
    const { grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as import('@tensorflow/tfjs').Tensor;
      return tf.losses.sigmoidCrossEntropy(y, tf.log(tf.div(p, tf.sub(1, p))));
    });
    const out = new Map<string, Float32Array>();
    for (const [k, v] of Object.entries(grads)) out.set(k.replace(/_\d+$/, ''), (await v.data()) as Float32Array);
    const w = model.getWeights().map((t) => tf.tensor(t.dataSync(), t.shape));
    return { out, w, model };
  };
  const wasm = await gradsOn('wasm');
  const cpu = await gradsOn('cpu', wasm.w);
  const wasmValues = [...wasm.out.values()];
  const cpuValues = [...cpu.out.values()];
  assert.equal(wasmValues.length, cpuValues.length);
  let worst = 0;
  for (let i = 0; i < wasmValues.length; i++) {
    const a = wasmValues[i]!;
    const b = cpuValues[i]!;
    assert.equal(a.length, b.length);
    const scale = Math.max(1e-3, ...b.map(Math.abs));
    for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / scale);
  }
  assert.ok(worst < 1e-3, `max relative gradient difference ${worst}`);
  await tf.setBackend('wasm');
});
