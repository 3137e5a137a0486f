/**
 * The contract every `InferenceSession` implementation passes (the runtime's abstract test, as
 * aedes-persistence's abstract.js): golden I/O, batch = singles, many concurrent calls, input checks,
 * close. Run it with `runtimeContract(name, open)` from a `.test.ts` file per runtime.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeF32 } from '../../models/package/golden.ts';
import { loadModelPackage, type ModelPackage } from '../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { selfTest } from '../../models/runtime/self-test.ts';
import type { InferenceSession, RuntimeName } from '../../models/runtime/types.ts';
import { sampleInputs } from './sample-inputs.ts';

export type OpenForContract = (pkg: ModelPackage) => Promise<InferenceSession>;

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same length');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

export function runtimeContract(runtime: RuntimeName, open: OpenForContract): void {
  describe(`InferenceSession contract: ${runtime}`, () => {
    let root: string;
    let pkg: ModelPackage;
    let session: InferenceSession;
    let images: ModelInput[];

    before(async () => {
      root = await mkdtemp(join(tmpdir(), `cxr-contract-${runtime}-`));
      const written = await writeTinyModelPackage(join(root, 'pkg'));
      pkg = await loadModelPackage(written.dir, { trustedPublicKeysPem: [written.publicKeyPem] });
      session = await open(pkg);
      images = await sampleInputs(pkg.manifest.input, 4);
    });
    after(async () => {
      await session?.close();
      await rm(root, { recursive: true, force: true });
    });

    it('names itself', () => assert.equal(session.runtime, runtime));

    it('reproduces the golden outputs (self-test passes)', async () => {
      const report = await selfTest(session, pkg.manifest);
      assert.equal(report.cases, pkg.manifest.golden.length);
      assert.ok(report.maxAbsDiff <= 1e-4);
    });

    it('returns one probability per class in [0,1] and a classes x camSize² CAM per image', async () => {
      const outputs = await session.infer(images);
      assert.equal(outputs.length, images.length);
      for (const output of outputs) {
        assert.equal(output.probabilities.length, pkg.manifest.classes.length);
        for (const p of output.probabilities) assert.ok(p >= 0 && p <= 1);
        assert.ok(output.camSize > 0);
        assert.equal(output.cam.length, pkg.manifest.classes.length * output.camSize ** 2);
      }
    });

    it('gives a batch of N the same outputs as N single calls', async () => {
      const batched = await session.infer(images);
      for (const [index, image] of images.entries()) {
        const [single] = await session.infer([image]);
        assert.ok(maxAbsDiff(single?.probabilities ?? [], batched[index]?.probabilities ?? []) <= 1e-5);
        assert.ok(maxAbsDiff(single?.cam ?? [], batched[index]?.cam ?? []) <= 1e-4);
      }
    });

    it('answers 40 simultaneous infer calls, each with its own image', async () => {
      const expected = await Promise.all(images.map(async (image) => (await session.infer([image]))[0]));
      const calls = Array.from({ length: 40 }, (_, i) => session.infer([images[i % images.length] as ModelInput]));
      const results = await Promise.all(calls);
      results.forEach((result, i) => {
        const want = expected[i % images.length]?.probabilities ?? [];
        assert.ok(maxAbsDiff(result[0]?.probabilities ?? [], want) <= 1e-5, `call ${i} got its own answer`);
      });
    });

    it('an empty batch gives no outputs', async () => assert.deepEqual(await session.infer([]), []));

    it('rejects an input of the wrong size with CXR_ERR_MODEL_INPUT_MISMATCH', async () => {
      const wrong = { data: new Float32Array(10), channels: 1 as const, size: 3 };
      await assert.rejects(session.infer([wrong]), { code: 'CXR_ERR_MODEL_INPUT_MISMATCH' });
    });

    it('rejects a golden case that does not match with CXR_ERR_MODEL_SELFTEST_FAILED', async () => {
      const golden = pkg.manifest.golden.map((g) => ({
        ...g,
        expectedProbabilities: g.expectedProbabilities.map((p) => 1 - p),
      }));
      await assert.rejects(selfTest(session, { ...pkg.manifest, golden }), { code: 'CXR_ERR_MODEL_SELFTEST_FAILED' });
    });

    it('refuses to infer after close with CXR_ERR_SESSION_CLOSED', async () => {
      const other = await open(pkg);
      await other.close();
      await other.close();
      const [first] = pkg.manifest.golden;
      const input = {
        data: decodeF32(first?.inputF32Base64 ?? ''),
        channels: 1 as const,
        size: pkg.manifest.input.size,
      };
      await assert.rejects(other.infer([input]), { code: 'CXR_ERR_SESSION_CLOSED' });
    });
  });
}
