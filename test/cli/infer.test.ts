import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TINY_CLASSES, type TinyModelPackage, writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { samplePaths } from '../contracts/sample-inputs.ts';
import { runCxr } from '../support/cxr-cli.ts';

let root: string;
let pkg: TinyModelPackage;
let pubPath: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-infer-cli-'));
  pkg = await writeTinyModelPackage(join(root, 'pkg'), { threshold: 0.5 });
  pubPath = join(root, 'pub.pem');
  await writeFile(pubPath, pkg.publicKeyPem);
});
after(() => rm(root, { recursive: true, force: true }));

test('--json lists probabilities per class, flags from thresholds, runtime, version and ms; a bad file gives exit 2', async () => {
  const images = await samplePaths(2);
  const missing = join(root, 'missing.png');
  const out = await runCxr(['infer', '--model', pkg.dir, '--trust', pubPath, ...images, missing, '--json']);
  assert.equal(out.code, 2, out.stderr);
  const results = JSON.parse(out.stdout);
  assert.equal(results.length, 3);
  for (const r of results.slice(0, 2)) {
    assert.deepEqual(Object.keys(r.probabilities), TINY_CLASSES);
    const expectedFlags = TINY_CLASSES.filter((c) => r.probabilities[c] >= 0.5);
    assert.deepEqual(r.flags, expectedFlags);
    assert.equal(r.runtime, 'openvino');
    assert.equal(r.modelVersion, '0.0.1');
    assert.ok(r.ms > 0);
  }
  assert.equal(results[2].error.code, 'CXR_ERR_FILE_UNREADABLE');
});

test('ONNX Runtime by choice and OpenVINO by auto print the same probabilities (human output names the runtime)', async () => {
  const [image] = await samplePaths(1);
  const ort = await runCxr([
    'infer',
    '--model',
    pkg.dir,
    '--trust',
    pubPath,
    '--runtime',
    'onnxruntime',
    image as string,
    '--json',
  ]);
  const ov = await runCxr(['infer', '--model', pkg.dir, '--trust', pubPath, image as string, '--json']);
  const [a, b] = [JSON.parse(ort.stdout)[0], JSON.parse(ov.stdout)[0]];
  assert.equal(a.runtime, 'onnxruntime');
  for (const c of TINY_CLASSES) assert.ok(Math.abs(a.probabilities[c] - b.probabilities[c]) <= 1e-4);
  const human = await runCxr(['infer', '--model', pkg.dir, '--trust', pubPath, image as string], {
    env: { CXR_OPENVINO_LIB: join(root, 'nope.so') },
  });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^runtime: onnxruntime \(auto: fell back because OpenVINO library/);
});

test('an untrusted package is refused with exit 2 and CXR_ERR_PACKAGE_UNTRUSTED_KEY', async () => {
  const [image] = await samplePaths(1);
  const out = await runCxr(['infer', '--model', pkg.dir, image as string, '--json']);
  assert.equal(out.code, 2);
  assert.equal(JSON.parse(out.stdout).error.code, 'CXR_ERR_PACKAGE_UNTRUSTED_KEY');
});
