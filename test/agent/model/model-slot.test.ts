/**
 * The model slot, probation and shadow mode with real ONNX Runtime sessions on tiny signed packages and a real
 * sample image: leases across a swap, closing after the last lease, inference outcomes, agreement.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ActiveModel } from '../../../agent/model/active-model.ts';
import { ModelSlot } from '../../../agent/model/model-slot.ts';
import { startProbation } from '../../../agent/model/probation.ts';
import { runShadow } from '../../../agent/model/shadow.ts';
import { Batcher } from '../../../agent/screening/batcher.ts';
import { readImageFile } from '../../../models/image/read-image.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { preprocess } from '../../../models/preprocess/preprocess.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import { SAMPLES } from '../fixture.ts';

const log = pino({ level: 'silent' });
const keys = generateKeyPair();
const root = mkdtempSync(join(tmpdir(), 'cxr-slot-'));
const image = await readImageFile(join(SAMPLES, 'nih/images/00000017_000.png'));

async function model(version: string, threshold = 0.5, seed = 1): Promise<ActiveModel> {
  const { dir } = await writeTinyModelPackage(join(root, `${version}-${threshold}-${seed}`), {
    version,
    seed,
    threshold,
    keyPair: keys,
  });
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [keys.publicKeyPem] });
  const { session, reason } = await openSession(pkg, { runtime: 'onnxruntime' });
  return { manifest: pkg.manifest, session, reason };
}

const slotWith = (initial: ActiveModel) =>
  new ModelSlot(initial, { owned: true, makeBatcher: (s) => new Batcher(s, 4, 0), log });
const inputFor = (m: { manifest: ActiveModel['manifest'] }) => preprocess(image, m.manifest.input);
const closedCode = async (m: ActiveModel) =>
  m.session.infer([inputFor(m)]).then(
    () => 'open',
    (e: { code?: string }) => e.code,
  );

describe('model slot', () => {
  it('a file keeps the model it took across a swap; the old session closes after its last lease', async () => {
    const a = await model('1.0.0');
    const b = await model('2.0.0');
    const slot = slotWith(a);
    const before = slot.take();
    assert.equal(slot.swap(b), a);
    const afterSwap = slot.take();
    assert.equal(before.manifest.version, '1.0.0');
    assert.equal(afterSwap.manifest.version, '2.0.0');
    assert.equal(slot.current, b);
    const output = await before.infer(inputFor(a), image);
    assert.equal(output.probabilities.length, 3, 'the old model still scores the file that took it');
    assert.equal(await closedCode(a), 'open');
    before.release();
    before.release(); // idempotent
    await slot.close();
    assert.equal(await closedCode(a), 'CXR_ERR_SESSION_CLOSED');
    afterSwap.release();
    await slot.close();
    assert.equal(await closedCode(b), 'CXR_ERR_SESSION_CLOSED');
  });

  it('closes a swapped-out model at once when no file holds it; a model it does not own stays open', async () => {
    const a = await model('1.0.0');
    const b = await model('2.0.0');
    const slot = new ModelSlot(a, { owned: false, makeBatcher: (s) => new Batcher(s, 4, 0), log });
    slot.swap(b);
    await slot.close();
    assert.equal(await closedCode(a), 'open', 'not owned: the caller closes it');
    assert.equal(await closedCode(b), 'CXR_ERR_SESSION_CLOSED');
    await a.session.close();
  });
});

describe('probation', () => {
  it('calls back once when more than maxErrorFraction of the new model inferences fail; the old model does not count', async () => {
    const a = await model('1.0.0');
    const b = await model('2.0.0');
    const slot = slotWith(a);
    const old = slot.take();
    slot.swap(b);
    const verdicts: { ok: number; failed: number }[] = [];
    startProbation(slot, b, { images: 4, maxErrorFraction: 0.25 }, (t) => verdicts.push(t));
    await old.infer(inputFor(a), image);
    old.release();
    const lease = slot.take();
    await lease.infer(inputFor(b), image);
    await b.session.close(); // the runtime fails from here on
    for (let i = 0; i < 3; i++)
      await assert.rejects(lease.infer(inputFor(b), image), { code: 'CXR_ERR_SESSION_CLOSED' });
    lease.release();
    assert.deepEqual(verdicts, [{ ok: 1, failed: 2 }]);
    await slot.close();
  });

  it('stays quiet when the first images pass', async () => {
    const a = await model('1.0.0');
    const slot = slotWith(a);
    const verdicts: unknown[] = [];
    startProbation(slot, a, { images: 2, maxErrorFraction: 0 }, (t) => verdicts.push(t));
    const lease = slot.take();
    await lease.infer(inputFor(a), image);
    await lease.infer(inputFor(a), image);
    await a.session.close();
    await assert.rejects(lease.infer(inputFor(a), image));
    lease.release();
    assert.deepEqual(verdicts, [], 'probation had passed before the failure');
    await slot.close();
  });
});

describe('shadow mode', () => {
  async function shadowAgreement(activeThreshold: number, candidateThreshold: number, images: number) {
    const active = await model('1.0.0', activeThreshold);
    const candidate = await model('2.0.0', candidateThreshold);
    const slot = slotWith(active);
    const progress: number[] = [];
    const tally = runShadow(slot, candidate, images, (t) => progress.push(t.images), new AbortController().signal);
    for (let i = 0; i < images + 2; i++) {
      const lease = slot.take();
      await lease.infer(inputFor(active), image);
      lease.release();
    }
    const result = await tally;
    await candidate.session.close();
    await slot.close();
    return { result, progress };
  }

  it('counts identical flags on the next N images (same weights, same thresholds → 1)', async () => {
    const { result, progress } = await shadowAgreement(0.5, 0.5, 3);
    assert.deepEqual(result, { images: 3, agreed: 3 });
    assert.deepEqual(progress, [1, 2, 3]);
  });

  it('counts different flags as disagreement (threshold 0 flags every class, threshold 1 none)', async () => {
    const { result } = await shadowAgreement(0, 1, 2);
    assert.deepEqual(result, { images: 2, agreed: 0 });
  });

  it('fails with CXR_ERR_AGENT_MODEL_SHADOW_FAILED when the candidate throws, and stops on abort', async () => {
    const active = await model('1.0.0');
    const candidate = await model('2.0.0');
    const slot = slotWith(active);
    await candidate.session.close();
    const failing = runShadow(slot, candidate, 5, () => undefined, new AbortController().signal);
    const lease = slot.take();
    await lease.infer(inputFor(active), image);
    await assert.rejects(failing, { code: 'CXR_ERR_AGENT_MODEL_SHADOW_FAILED' });
    const controller = new AbortController();
    const reason = new Error('superseded');
    const aborted = runShadow(slot, candidate, 5, () => undefined, controller.signal);
    controller.abort(reason);
    await assert.rejects(aborted, (e) => e === reason);
    lease.release();
    await slot.close();
  });
});
