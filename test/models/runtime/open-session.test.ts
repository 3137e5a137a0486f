import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadModelPackage, type ModelPackage } from '../../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { selfTest } from '../../../models/runtime/self-test.ts';

let root: string;
let pkg: ModelPackage;
let notALibrary: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxr-open-'));
  const written = await writeTinyModelPackage(join(root, 'pkg'));
  pkg = await loadModelPackage(written.dir, { trustedPublicKeysPem: [written.publicKeyPem] });
  notALibrary = join(root, 'libopenvino_c.so.9999');
  await writeFile(notALibrary, 'this is not an ELF shared object\n');
});
after(() => rm(root, { recursive: true, force: true }));

test('auto picks OpenVINO when its runtime loads and says so', async () => {
  const { session, reason } = await openSession(pkg, { runtime: 'auto' });
  assert.equal(session.runtime, 'openvino');
  assert.match(reason, /^openvino .*auto/);
  await selfTest(session, pkg.manifest);
  await session.close();
});

for (const [label, path] of [
  ['a path that does not exist', () => join(root, 'missing', 'libopenvino_c.so.1')],
  ['a file that is not a library', () => notALibrary],
] as const) {
  test(`auto falls back to ONNX Runtime with a clear reason when CXR_OPENVINO_LIB is ${label}`, async () => {
    const previous = process.env.CXR_OPENVINO_LIB;
    process.env.CXR_OPENVINO_LIB = path();
    try {
      const { session, reason } = await openSession(pkg, { runtime: 'auto' });
      assert.equal(session.runtime, 'onnxruntime');
      assert.match(reason, /^onnxruntime \(auto: fell back because OpenVINO library from env CXR_OPENVINO_LIB/);
      assert.ok(reason.includes(path()), 'reason names the path');
      await selfTest(session, pkg.manifest);
      await session.close();
    } finally {
      if (previous === undefined) delete process.env.CXR_OPENVINO_LIB;
      else process.env.CXR_OPENVINO_LIB = previous;
    }
  });
}

test('asking for openvino explicitly with a broken install fails with CXR_ERR_OPENVINO_UNAVAILABLE', async () => {
  await assert.rejects(openSession(pkg, { runtime: 'openvino', openvinoLibPath: notALibrary }), (error: unknown) => {
    const e = error as { code?: string; message?: string };
    return e.code === 'CXR_ERR_OPENVINO_UNAVAILABLE' && /does not load/.test(e.message ?? '');
  });
});

test('onnxruntime can be chosen explicitly', async () => {
  const { session, reason } = await openSession(pkg, { runtime: 'onnxruntime' });
  assert.equal(session.runtime, 'onnxruntime');
  assert.equal(reason, 'onnxruntime (requested)');
  await session.close();
});

test('OpenVINO writes its compiled model to cacheDir and reuses it on the next open', async () => {
  const cacheDir = join(root, 'ov-cache');
  const first = await openSession(pkg, { runtime: 'openvino', cacheDir });
  await first.session.close();
  const blobs = await readdir(cacheDir);
  assert.ok(
    blobs.some((name) => name.endsWith('.blob')),
    'a compiled blob is cached',
  );
  const second = await openSession(pkg, { runtime: 'openvino', cacheDir });
  await selfTest(second.session, pkg.manifest);
  await second.session.close();
  assert.deepEqual((await readdir(cacheDir)).sort(), blobs.sort(), 'no second blob: the cached one was used');
});
