/**
 * End to end on the sample images: prepare -> train a tiny member 1 epoch -> export a signed package ->
 * ONNX Runtime and OpenVINO (through the production loader and openSession) match tfjs within 1e-4.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { prepareIndex } from '../../../trainer/data/prepare-cache.ts';
import { exportPackage } from '../../../trainer/export/export-package.ts';
import { DEFAULT_TRAIN } from '../../../trainer/train/train-config.ts';
import { trainModel } from '../../../trainer/train/train-loop.ts';

const samples = fileURLToPath(new URL('../../../models/samples/nih/', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'cxr-export-'));
after(() => rm(work, { recursive: true, force: true }));

test('exported package runs on ONNX Runtime and OpenVINO like tfjs (<= 1e-4) on real images', async () => {
  const cacheDir = join(work, 'cache');
  const index = await prepareIndex(join(samples, 'labels.csv'), cacheDir, { val: 0.3, test: 0.3, seed: 3 });
  assert.deepEqual(index.classes, ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal']);
  const trainDir = join(work, 'run');
  const state = await trainModel({
    ...DEFAULT_TRAIN,
    backend: 'wasm',
    cacheDir,
    outDir: trainDir,
    scaling: { alpha: 0.5, phi: 1, width: 0.0625, stages: 3, baseResolution: 32 },
    epochs: 1,
    batchSize: 4,
  });
  assert.equal(state.history.length, 1);
  const keys = generateKeyPair();
  const outDir = join(work, 'pkg');
  const report = await exportPackage({
    trainDir,
    cacheDir,
    outDir,
    privateKeyPem: keys.privateKeyPem,
    name: 'test-tiny',
    version: '0.0.1',
    goldenImages: [join(samples, 'images/00000017_000.png'), join(samples, 'images/00000022_000.png')],
  });
  for (const check of report.verification) {
    assert.equal(check.error, undefined, `${check.runtime}: ${check.error}`);
    assert.ok(check.ok && check.maxAbsDiff! <= 1e-4, `${check.runtime} differs by ${check.maxAbsDiff}`);
  }
  assert.deepEqual(
    report.verification.map((c) => c.runtime),
    ['onnxruntime', 'openvino'],
  );
  const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.input.size, 32);
  assert.equal(manifest.golden.length, 2);
  assert.equal(manifest.params, state.cost.params);
  assert.ok(manifest.thresholds['Lung Opacity'].threshold >= 0);
});
