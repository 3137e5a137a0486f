import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cxr, exportTiny, prepareTiny, trainTiny } from './trainer-cli-fixture.ts';

const work = await mkdtemp(join(tmpdir(), 'cxr-cli-export-'));
after(() => rm(work, { recursive: true, force: true }));

test('cxr export --json writes a signed package verified on ONNX Runtime and OpenVINO', async () => {
  const cache = await prepareTiny(work);
  const run = await trainTiny(work, cache);
  const { pkg, run: r } = await exportTiny(work, cache, run);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.deepEqual(
    res.verification.map((v: { runtime: string; ok: boolean }) => [v.runtime, v.ok]),
    [
      ['onnxruntime', true],
      ['openvino', true],
    ],
  );
  const manifest = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8'));
  assert.equal(manifest.name, 'tiny');
  assert.ok((await readFile(join(pkg, 'signature'), 'utf8')).length > 40);
  const missing = await cxr([
    'export',
    '--run',
    join(work, 'nothing'),
    '--cache',
    cache,
    '--out',
    join(work, 'p2'),
    '--key',
    join(work, 'key.pem'),
    '--json',
  ]);
  assert.equal(missing.code, 2);
  assert.equal(JSON.parse(missing.stdout).error.code, 'CXR_ERR_CHECKPOINT_INVALID');
});
