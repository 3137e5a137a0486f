import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { maxAbsDiff } from '../../contracts/runtime.ts';
import { sampleInputs } from '../../contracts/sample-inputs.ts';

test('OpenVINO and ONNX Runtime give the same probabilities (≤ 1e-4) and CAMs on real X-rays', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cxr-cross-'));
  try {
    const written = await writeTinyModelPackage(join(root, 'pkg'), { seed: 5 });
    const pkg = await loadModelPackage(written.dir, { trustedPublicKeysPem: [written.publicKeyPem] });
    const images = await sampleInputs(pkg.manifest.input, 11);
    assert.ok(images.length >= 8, 'enough sample images in models/samples');
    const ov = (await openSession(pkg, { runtime: 'openvino', mode: 'throughput' })).session;
    const ort = (await openSession(pkg, { runtime: 'onnxruntime' })).session;
    const [a, b] = [await ov.infer(images), await ort.infer(images)];
    let worst = 0;
    a.forEach((out, i) => {
      worst = Math.max(worst, maxAbsDiff(out.probabilities, b[i]?.probabilities ?? []));
      assert.ok(maxAbsDiff(out.cam, b[i]?.cam ?? []) <= 1e-3);
    });
    assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
    // the images differ, so the model must not answer the same for all of them
    assert.ok(maxAbsDiff(a[0]?.probabilities ?? [], a[1]?.probabilities ?? []) > 1e-6);
    await ov.close();
    await ort.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
