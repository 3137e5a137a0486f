import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { sampleInputs } from '../../contracts/sample-inputs.ts';

const MiB = 1024 * 1024;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** RSS after a full GC, so JS garbage does not hide or fake a native leak. */
function rss(): number {
  gc();
  return process.memoryUsage().rss;
}

test('RSS stays flat over 5,000 OpenVINO inferences and 20 open/close cycles (native handles are freed)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cxr-ovmem-'));
  try {
    const written = await writeTinyModelPackage(join(root, 'pkg'));
    const pkg = await loadModelPackage(written.dir, { trustedPublicKeysPem: [written.publicKeyPem] });
    const images = await sampleInputs(pkg.manifest.input, 4);
    const { session } = await openSession(pkg, { runtime: 'openvino', mode: 'throughput' });
    for (let i = 0; i < 500; i++) await session.infer(images); // warm-up: allocator pools settle
    const before = rss();
    for (let i = 0; i < 1250; i++) {
      await session.infer(images);
      if (i % 250 === 0) gc(); // keep the JS heap small so RSS shows native memory
    }
    const afterInfer = rss();
    await session.close();
    for (let i = 0; i < 3; i++) await (await openSession(pkg, { runtime: 'openvino' })).session.close();
    const beforeCycles = rss();
    for (let i = 0; i < 20; i++) {
      const opened = await openSession(pkg, { runtime: 'openvino', mode: 'throughput' });
      await opened.session.infer(images);
      await opened.session.close();
    }
    const afterCycles = rss();
    const inferGrowth = (afterInfer - before) / MiB;
    const cycleGrowth = (afterCycles - beforeCycles) / MiB;
    assert.ok(inferGrowth < 8, `RSS grew ${inferGrowth.toFixed(1)} MiB over 5,000 inferences`);
    assert.ok(cycleGrowth < 16, `RSS grew ${cycleGrowth.toFixed(1)} MiB over 20 open/close cycles`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
