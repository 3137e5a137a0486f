import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import type { OnnxGraph } from '../../../models/onnx/graph.ts';
import { buildRandomDenseNet, seededRandom } from '../../../models/onnx/random-densenet.ts';
import { graphStats } from '../../../models/onnx/shapes.ts';
import { writeOnnx } from '../../../models/onnx/write-onnx.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { writeModelPackage } from '../../../models/package/write-package.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { referenceRun } from './reference-run.ts';

const graph: OnnxGraph = buildRandomDenseNet({
  size: 24,
  channels: 1,
  classes: 3,
  blocks: [2, 1],
  growth: 3,
  bottleneck: 2,
  stemFilters: 4,
  stemKernel: 3,
  seed: 7,
});

function randomImages(count: number, length: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length }, () => random() * 2 - 1));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

test('written model declares opset >= 13, a dynamic batch axis and the two named outputs', () => {
  const model = onnxProto.onnx.ModelProto.decode(writeOnnx(graph));
  assert.ok(Number(model.opsetImport[0]?.version) >= 13);
  const input = model.graph?.input?.[0];
  assert.equal(input?.name, 'input');
  assert.equal(input?.type?.tensorType?.shape?.dim?.[0]?.dimParam, 'N');
  assert.deepEqual(
    model.graph?.output?.map((o) => o.name),
    ['probabilities', 'cam'],
  );
});

test('folds conv→BN pairs and keeps BN that follows a concat', () => {
  const model = onnxProto.onnx.ModelProto.decode(writeOnnx(graph));
  const ops = model.graph?.node?.map((n) => n.opType) ?? [];
  const bnInIr = graph.nodes.filter((n) => n.op === 'batchnorm').length;
  const bnWritten = ops.filter((op) => op === 'BatchNormalization').length;
  // stem BN + one per bottleneck conv are folded (3 bottlenecks here)
  assert.equal(bnWritten, bnInIr - 4);
  for (const op of ['Conv', 'Relu', 'Concat', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Gemm', 'Sigmoid']) {
    assert.ok(ops.includes(op), `${op} written`);
  }
});

test('ONNX Runtime output equals the plain-TS reference for a batch of 3 (probabilities and CAM)', async () => {
  const session = await ort.InferenceSession.create(writeOnnx(graph));
  const images = randomImages(3, 24 * 24, 11);
  const batch = new Float32Array(3 * 24 * 24);
  images.forEach((image, i) => {
    batch.set(image, i * image.length);
  });
  const result = await session.run({ input: new ort.Tensor('float32', batch, [3, 1, 24, 24]) });
  const probabilities = result.probabilities?.data as Float32Array;
  const cam = result.cam?.data as Float32Array;
  const camSize = cam.length / 3;
  images.forEach((image, i) => {
    const expected = referenceRun(graph, image);
    assert.ok(maxAbsDiff(probabilities.subarray(i * 3, i * 3 + 3), expected.probabilities) <= 1e-4);
    assert.ok(maxAbsDiff(cam.subarray(i * camSize, (i + 1) * camSize), expected.cam) <= 1e-3);
  });
  await session.release();
});

test('with addBias the spatial mean of each CAM equals the class logit', async () => {
  const session = await ort.InferenceSession.create(writeOnnx(graph));
  const [image] = randomImages(1, 24 * 24, 3);
  const result = await session.run({ input: new ort.Tensor('float32', image as Float32Array, [1, 1, 24, 24]) });
  const probabilities = result.probabilities?.data as Float32Array;
  const cam = result.cam?.data as Float32Array;
  const perClass = cam.length / 3;
  for (let k = 0; k < 3; k++) {
    const mean = cam.subarray(k * perClass, (k + 1) * perClass).reduce((a, b) => a + b, 0) / perClass;
    assert.ok(Math.abs(1 / (1 + Math.exp(-mean)) - (probabilities[k] ?? 0)) < 1e-5);
  }
  await session.release();
});

test('graphStats counts MACs and params from the IR', () => {
  const tiny: OnnxGraph = {
    name: 't',
    input: { channels: 1, height: 4, width: 4 },
    nodes: [
      {
        op: 'conv',
        input: 'input',
        output: 'c',
        weight: new Float32Array(2 * 9),
        weightShape: [2, 1, 3, 3],
        pads: 'SAME_UPPER',
      },
      { op: 'relu', input: 'c', output: 'r' },
      { op: 'globalavgpool', input: 'r', output: 'p' },
      { op: 'dense', input: 'p', output: 'd', weight: new Float32Array(2 * 3), inFeatures: 2, units: 3 },
      { op: 'sigmoid', input: 'd', output: 's' },
    ],
    probabilities: 's',
    cam: { featureMap: 'r', classifier: 'd', addBias: false },
  };
  assert.deepEqual(graphStats(tiny), { macs: 4 * 4 * 18 + 6, params: 18 + 6 });
});

test('rejects a CAM spec that does not name a dense output with CXR_ERR_ONNX_GRAPH_INVALID', () => {
  assert.throws(
    () => writeOnnx({ ...graph, cam: { ...graph.cam, classifier: 'nope' } }),
    (error: unknown) => (error as { code?: string }).code === 'CXR_ERR_ONNX_GRAPH_INVALID',
  );
});

test('OpenVINO output equals the plain-TS reference too (probabilities and CAM)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cxr-onnx-ov-'));
  try {
    const keys = generateKeyPair();
    const classes = ['a', 'b', 'c'];
    await writeModelPackage(join(root, 'pkg'), {
      onnx: writeOnnx(graph),
      privateKeyPem: keys.privateKeyPem,
      manifest: {
        formatVersion: 1,
        name: 'writer-check',
        version: '0.0.1',
        createdAt: new Date(0).toISOString(),
        classes,
        input: { size: 24, channels: 1, mean: 0, std: 1, resize: 'stretch', padValue: 0, layout: 'NCHW' },
        outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
        thresholds: Object.fromEntries(classes.map((c) => [c, { threshold: 0.5, chosenOn: 'test' }])),
        metrics: {},
        architecture: {},
        macs: 0,
        params: 0,
        trainingData: {},
        golden: [],
      },
    });
    const pkg = await loadModelPackage(join(root, 'pkg'), { trustedPublicKeysPem: [keys.publicKeyPem] });
    const { session } = await openSession(pkg, { runtime: 'openvino', mode: 'throughput' });
    const images = randomImages(3, 24 * 24, 11);
    const outputs = await session.infer(images.map((data) => ({ data, channels: 1 as const, size: 24 })));
    images.forEach((image, i) => {
      const expected = referenceRun(graph, image);
      assert.ok(maxAbsDiff(outputs[i]?.probabilities ?? [], expected.probabilities) <= 1e-4);
      assert.ok(maxAbsDiff(outputs[i]?.cam ?? [], expected.cam) <= 1e-3);
    });
    await session.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
