/**
 * The live shadow with real ONNX Runtime sessions on tiny signed packages and a real sample image: taken up once per
 * package, scoring through leases, no lease for the active version, a stop that closes the session after the last
 * lease, a failed take-up logged and not retried, and the shadow stage's output (the candidate's calibrated
 * probabilities, findings and tier, the same as its own result would carry).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ActiveModel } from '../../../agent/model/active-model.ts';
import { LiveShadow, type LiveShadowSpec } from '../../../agent/model/live-shadow.ts';
import type { InferredFile } from '../../../agent/pipeline/stages/infer.ts';
import { shadowOutputOf, shadowScore } from '../../../agent/pipeline/stages/shadow.ts';
import { buildResult } from '../../../agent/screening/result-builder.ts';
import { CxrError } from '../../../models/errors.ts';
import { readImageFile } from '../../../models/image/read-image.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { loadModelPackage } from '../../../models/package/load-package.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { preprocess } from '../../../models/preprocess/preprocess.ts';
import { openSession } from '../../../models/runtime/open-session.ts';
import type { ModelDesired } from '../../../protocol/messages.ts';
import { SAMPLES } from '../fixture.ts';

const log = pino({ level: 'silent' });
const keys = generateKeyPair();
const root = mkdtempSync(join(tmpdir(), 'cxr-live-shadow-'));
const image = await readImageFile(join(SAMPLES, 'nih/images/00000017_000.png'));

async function model(version: string, seed = 1, threshold = 0.5): Promise<ActiveModel> {
  const { dir } = await writeTinyModelPackage(join(root, `${version}-${seed}`), {
    version,
    seed,
    threshold,
    keyPair: keys,
  });
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [keys.publicKeyPem] });
  const { session, reason } = await openSession(pkg, { runtime: 'onnxruntime' });
  return { manifest: pkg.manifest, session, reason };
}

const spec = (version: string, sha: string): LiveShadowSpec => ({
  shadowId: 's-1',
  version,
  sha256: sha.repeat(64),
  url: `http://127.0.0.1:1/api/models/${version}/package.tar`,
  sizeBytes: 1,
});

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(probe(), 'condition not reached');
}

const closed = async (m: ActiveModel) =>
  m.session.infer([preprocess(image, m.manifest.input)]).then(
    () => false,
    () => true,
  );

describe('live shadow', () => {
  it('scores beside the active model through leases and closes the candidate once stopped and released', async () => {
    const candidate = await model('2.0.0', 2);
    const asked: ModelDesired[] = [];
    const shadow = new LiveShadow({
      takeUp: async (desired) => {
        asked.push(desired);
        return candidate;
      },
      activeVersion: () => '1.0.0',
      log,
    });
    assert.equal(shadow.take(), undefined, 'nothing before the hub asks');
    shadow.want(spec('2.0.0', 'a'));
    shadow.want(spec('2.0.0', 'a')); // the same package again: one take-up
    await until(() => shadow.version === '2.0.0');
    assert.equal(asked.length, 1);
    assert.deepEqual(Object.keys(asked[0]!).sort(), ['sha256', 'sizeBytes', 'url', 'v', 'version']);
    const lease = shadow.take()!;
    const output = await lease.infer(preprocess(image, candidate.manifest.input));
    assert.equal(output.probabilities.length, candidate.manifest.classes.length);
    shadow.want(undefined);
    assert.equal(shadow.take(), undefined, 'stopped: no new lease');
    assert.equal(await closed(candidate), false, 'still open while a film holds it');
    lease.release();
    await shadow.close();
    assert.equal(await closed(candidate), true);
  });

  it('gives no lease while the candidate is the active version, and does not retry a failed package', async () => {
    const candidate = await model('3.0.0', 3);
    let active = '1.0.0';
    let attempts = 0;
    const shadow = new LiveShadow({
      takeUp: async (desired) => {
        attempts += 1;
        if (desired.sha256.startsWith('b')) throw new CxrError('CXR_ERR_PACKAGE_UNTRUSTED_KEY', 'not ours');
        return candidate;
      },
      activeVersion: () => active,
      log,
    });
    shadow.want(spec('9.0.0', 'b'));
    await until(() => attempts === 1);
    await new Promise((r) => setTimeout(r, 20));
    shadow.want(spec('9.0.0', 'b'));
    assert.equal(attempts, 1, 'a failed package is not taken up again');
    shadow.want(spec('3.0.0', 'c'));
    await until(() => shadow.version === '3.0.0');
    const lease = shadow.take();
    assert.ok(lease);
    lease.release();
    active = '3.0.0'; // promoted: the candidate is production now
    assert.equal(shadow.take(), undefined);
    await shadow.close();
  });

  it("the shadow stage carries the candidate's own calibrated output, tier and findings", async () => {
    const active = await model('1.0.0', 1);
    const candidate = await model('2.0.0', 2, 0.01); // operating points so low that it calls every finding
    const shadow = new LiveShadow({ takeUp: async () => candidate, activeVersion: () => '1.0.0', log });
    shadow.want(spec('2.0.0', 'd'));
    await until(() => shadow.version === '2.0.0');
    const input = preprocess(image, active.manifest.input);
    const inferred = { image, input } as unknown as InferredFile;
    const lease = shadow.take();
    const out = await shadowScore(inferred, active.manifest, lease, log);
    lease?.release();
    assert.ok(out);
    const [raw] = await candidate.session.infer([preprocess(image, candidate.manifest.input)]);
    assert.deepEqual(out, shadowOutputOf(candidate.manifest, raw!.probabilities));
    assert.equal(out.version, '2.0.0');
    assert.ok(out.flags.length > 0);
    assert.equal(out.tier === 'abnormal' || out.tier === 'urgent', true);
    const own = buildResult({
      site: 's',
      agent: 'a',
      siteSecret: 'x'.repeat(32),
      contentSha256: 'e'.repeat(64),
      image: { format: 'png', rows: 8, cols: 8, meta: image.meta, identifiers: {} },
      manifest: candidate.manifest,
      runtime: 'onnxruntime',
      probabilities: raw!.probabilities,
      timingsMs: {},
      receivedAt: new Date(0),
      scoredAt: new Date(0),
    });
    assert.deepEqual(out.flags, own.flags, 'the same findings the candidate would call as production');
    assert.equal(await shadowScore(inferred, active.manifest, undefined, log), undefined);
    await shadow.close();
    await active.session.close();
  });
});
