/** The batcher against a real ONNX Runtime session on the tiny signed test model. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Batcher, type BatchStats } from '../../../agent/screening/batcher.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { TINY_SIZE, writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { openSession } from '../../../models/runtime/open-session.ts';

const tiny = await writeTinyModelPackage(mkdtempSync(join(tmpdir(), 'cxr-batcher-')));
const pkg = await loadModelPackage(tiny.dir, { trustedPublicKeysPem: [tiny.publicKeyPem] });
const { session } = await openSession(pkg, { runtime: 'onnxruntime' });
after(() => session.close());

const input = (v: number) => ({
  data: new Float32Array(TINY_SIZE * TINY_SIZE).fill(v),
  channels: 1 as const,
  size: TINY_SIZE,
});

it('groups a burst into batches of at most maxBatch and returns each caller its own output', async () => {
  const stats: BatchStats[] = [];
  const batcher = new Batcher(session, 4, 20, (s) => stats.push(s));
  const values = [-1, -0.5, 0, 0.5, 1, 1.5];
  const outputs = await Promise.all(values.map((v) => batcher.infer(input(v))));
  assert.deepEqual(
    stats.map((s) => s.batchSize),
    [4, 2],
  );
  const alone = await session.infer([input(1)]);
  assert.deepEqual(Array.from(outputs[4]?.probabilities ?? []), Array.from(alone[0]?.probabilities ?? []));
  assert.notDeepEqual(Array.from(outputs[0]?.probabilities ?? []), Array.from(outputs[4]?.probabilities ?? []));
});

it('rejects every request of a failed batch, and keeps working afterwards', async () => {
  const batcher = new Batcher(session, 2, 5);
  const bad = { data: new Float32Array(3), channels: 1 as const, size: TINY_SIZE };
  const results = await Promise.allSettled([batcher.infer(bad), batcher.infer(input(0))]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal((await batcher.infer(input(0))).probabilities.length, 3);
});

it('sends a lone request at once while the runtime is idle, without waiting waitMs for company', async () => {
  let calls = 0;
  const counting = Object.create(session, {
    infer: {
      value: (inputs: Parameters<typeof session.infer>[0]) => {
        calls++;
        return session.infer(inputs);
      },
    },
  }) as typeof session;
  const batcher = new Batcher(counting, 4, 60_000);
  const output = batcher.infer(input(0.5));
  await new Promise((resolve) => setImmediate(resolve)); // one turn of the event loop, far less than waitMs
  assert.equal(calls, 1);
  assert.equal((await output).probabilities.length, 3);
});
