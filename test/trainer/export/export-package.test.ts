/**
 * End to end on the sample images: prepare -> train a tiny member 1 epoch -> export a signed package ->
 * ONNX Runtime and OpenVINO (through the production loader and openSession) match tfjs within 1e-4; then the same
 * run exported with a not-a-chest gate fitted on a few generated negatives, and that package's gate refitted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { selfTest } from '../../../models/runtime/self-test.ts';
import { prepareIndex } from '../../../trainer/data/prepare-cache.ts';
import { gateOnNegatives } from '../../../trainer/eval/score-images.ts';
import { exportPackage } from '../../../trainer/export/export-package.ts';
import { buildNegatives } from '../../../trainer/gate/build-negatives.ts';
import { refitPackageGate } from '../../../trainer/gate/refit-package-gate.ts';
import { DEFAULT_TRAIN } from '../../../trainer/train/train-config.ts';
import { trainModel } from '../../../trainer/train/train-loop.ts';

const samples = fileURLToPath(new URL('../../../models/samples/nih/', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'cxr-export-'));
after(() => rm(work, { recursive: true, force: true }));
const pkgKeys = generateKeyPair();
const gateKeys = generateKeyPair();
let records: Awaited<ReturnType<typeof buildNegatives>> = [];

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
  const keys = pkgKeys;
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
  assert.equal(manifest.input.blackMarginCut, 0.05, "the cache's black-margin cut travels with the model");
  assert.equal(manifest.golden.length, 2);
  assert.equal(manifest.params, state.cost.params);
  assert.ok(manifest.thresholds['Lung Opacity'].threshold >= 0);
  // The drift reference: the validation images' triage scores in ten bins (docs/model-package.md#reference-scores).
  assert.equal(manifest.referenceScores.edges.length, 11);
  const counted = manifest.referenceScores.counts.reduce((a: number, b: number) => a + b, 0);
  assert.equal(counted, index.splits.val.length);
});

test('with negatives: the gate is fitted, exported as extra outputs, self-tested, and refuses them', async () => {
  const negatives = join(work, 'negatives');
  records = await buildNegatives({
    outDir: negatives,
    dicomDirs: [{ dir: join(samples, '../dicom/non_chest'), licence: 'test', kind: 'other-xray' }],
    pages: [],
    syntheticPerKind: 2,
    seed: 1,
  });
  assert.equal(records.filter((r) => r.kind === 'other-xray').length, 2);
  const keys = gateKeys;
  const outDir = join(work, 'pkg-gate');
  const report = await exportPackage({
    trainDir: join(work, 'run'),
    cacheDir: join(work, 'cache'),
    outDir,
    privateKeyPem: keys.privateKeyPem,
    name: 'test-tiny-gate',
    version: '0.0.1',
    goldenImages: [join(samples, 'images/00000017_000.png')],
    negativesCsv: join(negatives, 'negatives.csv'),
  });
  const openvino = report.verification.find((c) => c.runtime === 'openvino')!;
  assert.ok(openvino.ok && openvino.vsOnnxRuntime!.extra <= 1e-4 && openvino.vsOnnxRuntime!.cam <= 1e-4);
  assert.deepEqual(report.gate!.leaveOneKindOut.map((k) => k.kind).sort(), ['other-xray', 'synthetic', 'turned-film']);
  const pkg = await loadModelPackage(outDir, { trustedPublicKeysPem: [keys.publicKeyPem] });
  const m = pkg.manifest;
  assert.deepEqual(m.outputs.extra, ['gate_chest', 'gate_embedding']);
  assert.ok(m.gate && m.calibration && m.triage);
  const { maxFlatFraction, maxChroma, maxColourResidual } = m.gate;
  assert.ok(maxFlatFraction !== undefined && maxFlatFraction >= 0.4 && maxFlatFraction <= 0.6, 'flatness limit fitted');
  assert.ok(maxChroma !== undefined && maxChroma >= 0.3, 'tint limit fitted');
  assert.ok(maxColourResidual !== undefined && maxColourResidual >= 0.025, 'colour limit fitted');
  assert.deepEqual(Object.keys(m.golden[0]!.expectedExtra!), ['gate_chest', 'gate_embedding']);
  for (const runtime of ['onnxruntime', 'openvino'] as const) {
    const { session } = await openSession(pkg, { runtime });
    await selfTest(session, m);
    const items = records
      .filter((r) => r.kind.startsWith('synthetic'))
      .map((r) => ({ path: join(negatives, r.file), kind: r.kind }));
    const gated = await gateOnNegatives(items, m, session);
    await session.close();
    const refused = Object.values(gated.byKind).reduce((n, k) => n + k.refused, 0);
    assert.equal(refused, items.length, `${runtime} let through ${gated.passed.join(', ')}`);
  }
});

test("a package's gate refitted on its own features: same probabilities, new gate, signed, self-tested", async () => {
  const from = join(work, 'pkg-gate');
  const keys = generateKeyPair();
  const outDir = join(work, 'pkg-refit');
  const negativesCsv = join(work, 'negatives', 'negatives.csv');
  const report = await refitPackageGate({
    modelDir: from,
    cacheDir: join(work, 'cache'),
    negativesCsv,
    outDir,
    version: '0.0.2',
    privateKeyPem: keys.privateKeyPem,
    trustedPublicKeysPem: [gateKeys.publicKeyPem],
  });
  assert.equal(report.from, '0.0.1');
  const [onnxruntime, openvino] = ['onnxruntime', 'openvino'].map(
    (r) => report.verification.find((c) => c.runtime === r)!,
  );
  assert.equal(onnxruntime!.maxAbsDiff, 0, 'the weights and classifier are untouched');
  assert.ok(openvino!.ok && openvino!.vsOnnxRuntime!.extra <= 1e-4);
  const before = await loadModelPackage(from, { trustedPublicKeysPem: [gateKeys.publicKeyPem] });
  const pkg = await loadModelPackage(outDir, { trustedPublicKeysPem: [keys.publicKeyPem] });
  const m = pkg.manifest;
  assert.equal(m.version, '0.0.2');
  assert.deepEqual(m.gate!.fittedOn.refittedFrom, {
    version: '0.0.1',
    modelSha256: before.manifest.modelSha256,
    on: 'its own gate embedding; weights unchanged',
  });
  assert.notEqual(m.modelSha256, before.manifest.modelSha256, 'the gate tensors are new');
  assert.deepEqual(
    m.golden.map((g) => g.expectedProbabilities),
    before.manifest.golden.map((g) => g.expectedProbabilities),
  );
  assert.notDeepEqual(m.golden[0]!.expectedExtra, before.manifest.golden[0]!.expectedExtra);
  for (const runtime of ['onnxruntime', 'openvino'] as const) {
    const { session } = await openSession(pkg, { runtime });
    await selfTest(session, m);
    const items = records
      .filter((r) => r.kind.startsWith('synthetic'))
      .map((r) => ({ path: join(work, 'negatives', r.file), kind: r.kind }));
    const gated = await gateOnNegatives(items, m, session);
    await session.close();
    assert.equal(
      Object.values(gated.byKind).reduce((n, k) => n + k.refused, 0),
      items.length,
    );
  }
  await assert.rejects(
    refitPackageGate({
      modelDir: join(work, 'pkg'),
      cacheDir: join(work, 'cache'),
      negativesCsv,
      outDir: join(work, 'pkg-refit-none'),
      version: '0.0.2',
      privateKeyPem: keys.privateKeyPem,
      trustedPublicKeysPem: [pkgKeys.publicKeyPem],
    }),
    /CXR_ERR_PACKAGE_MANIFEST_INVALID|no gate to refit/,
  );
});
