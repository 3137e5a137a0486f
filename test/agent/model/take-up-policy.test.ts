/** The agent's pure rollout policy: desired decisions, keep-N pruning, shadow agreement, probation, throttling. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  agreementOf,
  decideDesired,
  type InstalledVersion,
  MAX_FAILED_REMEMBERED,
  type ModelState,
  probationVerdict,
  progressDue,
  sameFlags,
  shadowVerdict,
  tallyShadow,
  versionsToPrune,
  withFailure,
  withInstalled,
} from '../../../agent/model/take-up-policy.ts';
import type { ModelDesired } from '../../../protocol/messages.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const desired = (over: Partial<ModelDesired> = {}): ModelDesired => ({
  v: 1,
  version: '1.1.0',
  sha256: SHA_A,
  url: 'http://hub/api/models/1.1.0/package.tar',
  sizeBytes: 100,
  rolloutId: 'r1',
  ...over,
});
const installed = (version: string, sha256 = SHA_A): InstalledVersion => ({
  version,
  sha256,
  installedAt: '2025-01-01T00:00:00.000Z',
});
const state = (over: Partial<ModelState> = {}): ModelState => ({ failed: [], installed: [], ...over });
const ctx = (over: Partial<Parameters<typeof decideDesired>[1]> = {}) => ({
  enabled: true,
  activeVersion: '1.0.0',
  state: state(),
  onDisk: () => false,
  ...over,
});

describe('decideDesired', () => {
  it('reports the active version as active again, even with rollouts disabled', () => {
    assert.deepEqual(decideDesired(desired({ version: '1.0.0' }), ctx({ enabled: false })), { kind: 'already-active' });
  });
  it('downloads a version that is not on disk', () => {
    assert.deepEqual(decideDesired(desired(), ctx()), { kind: 'take-up', source: 'download' });
  });
  it('loads a version from disk without downloading (a rollback to the previous version)', () => {
    const onDisk = (v: string) => v === '1.1.0';
    assert.deepEqual(decideDesired(desired(), ctx({ onDisk, state: state({ installed: [installed('1.1.0')] }) })), {
      kind: 'take-up',
      source: 'disk',
    });
    assert.deepEqual(decideDesired(desired(), ctx({ onDisk })), { kind: 'take-up', source: 'disk' }, 'model.dir');
  });
  it('downloads again when the installed copy came from other bytes', () => {
    const c = ctx({ onDisk: () => true, state: state({ installed: [installed('1.1.0', SHA_B)] }) });
    assert.deepEqual(decideDesired(desired(), c), { kind: 'take-up', source: 'download' });
  });
  it('does not retry a (sha256, rolloutId) that failed; a new rollout id retries', () => {
    const failed = state({ failed: [{ version: '1.1.0', sha256: SHA_A, rolloutId: 'r1' }] });
    assert.deepEqual(decideDesired(desired(), ctx({ state: failed })), { kind: 'failed-before' });
    assert.equal(decideDesired(desired({ rolloutId: 'r2' }), ctx({ state: failed })).kind, 'take-up');
    assert.equal(decideDesired(desired({ rolloutId: undefined }), ctx({ state: failed })).kind, 'take-up');
  });
  it('refuses other versions when rollouts are disabled', () => {
    assert.deepEqual(decideDesired(desired(), ctx({ enabled: false })), { kind: 'disabled' });
  });
});

describe('remembered failures and installs', () => {
  it('deduplicates failures, keeps the newest last and bounds the list', () => {
    let s = state();
    for (let i = 0; i < MAX_FAILED_REMEMBERED + 5; i++)
      s = withFailure(s, { version: `v${i}`, sha256: SHA_A, rolloutId: `r${i}` });
    assert.equal(s.failed.length, MAX_FAILED_REMEMBERED);
    assert.equal(s.failed.at(-1)?.rolloutId, `r${MAX_FAILED_REMEMBERED + 4}`);
    s = withFailure(s, { version: 'v10', sha256: SHA_A, rolloutId: 'r10' });
    assert.equal(s.failed.filter((f) => f.rolloutId === 'r10').length, 1);
    assert.equal(s.failed.at(-1)?.rolloutId, 'r10');
  });
  it('replaces an installed entry of the same version and appends it as newest', () => {
    const s = withInstalled(state({ installed: [installed('1'), installed('2')] }), installed('1', SHA_B));
    assert.deepEqual(
      s.installed.map((v) => [v.version, v.sha256]),
      [
        ['2', SHA_A],
        ['1', SHA_B],
      ],
    );
  });
});

describe('versionsToPrune', () => {
  const five = ['1', '2', '3', '4', '5'].map((v) => installed(v));
  it('deletes the oldest beyond keepVersions', () => {
    assert.deepEqual(versionsToPrune(state({ installed: five, active: '5', previous: '4' }), 3), ['1', '2']);
  });
  it('never deletes the active or previous version, however old', () => {
    assert.deepEqual(versionsToPrune(state({ installed: five, active: '1', previous: '2' }), 3), ['3', '4']);
    assert.deepEqual(versionsToPrune(state({ installed: five, active: '1', previous: '2' }), 2), ['3', '4', '5']);
  });
  it('deletes nothing at or under the limit', () => {
    assert.deepEqual(versionsToPrune(state({ installed: five.slice(0, 3), active: '3' }), 3), []);
  });
});

describe('shadow agreement', () => {
  it('compares flag sets regardless of order', () => {
    assert.ok(sameFlags(['a', 'b'], ['b', 'a']));
    assert.ok(sameFlags([], []));
    assert.ok(!sameFlags(['a'], ['a', 'b']));
    assert.ok(!sameFlags(['a'], ['b']));
  });
  it('agreement is the fraction of images with identical flags, decided after N images', () => {
    let t = { images: 0, agreed: 0 };
    assert.equal(agreementOf(t), 1);
    t = tallyShadow(t, ['a'], ['a']);
    t = tallyShadow(t, ['a'], []);
    t = tallyShadow(t, [], []);
    assert.deepEqual(t, { images: 3, agreed: 2 });
    assert.equal(shadowVerdict(t, { images: 4, minAgreement: 0.5 }), 'continue');
    t = tallyShadow(t, ['b'], ['a']);
    assert.equal(agreementOf(t), 0.5);
    assert.equal(shadowVerdict(t, { images: 4, minAgreement: 0.5 }), 'passed');
    assert.equal(shadowVerdict(t, { images: 4, minAgreement: 0.51 }), 'failed');
  });
});

describe('probationVerdict', () => {
  const policy = { images: 10, maxErrorFraction: 0.2 };
  it('fails as soon as more than the fraction of the probation images failed', () => {
    assert.equal(probationVerdict({ ok: 0, failed: 2 }, policy), 'continue');
    assert.equal(probationVerdict({ ok: 0, failed: 3 }, policy), 'failed');
  });
  it('passes once all probation images are in without too many errors', () => {
    assert.equal(probationVerdict({ ok: 7, failed: 2 }, policy), 'continue');
    assert.equal(probationVerdict({ ok: 8, failed: 2 }, policy), 'passed');
  });
  it('with maxErrorFraction 0 a single failure rolls back', () => {
    assert.equal(probationVerdict({ ok: 5, failed: 1 }, { images: 10, maxErrorFraction: 0 }), 'failed');
  });
});

it('progress is due at the first report, after the interval, and always for the last', () => {
  assert.ok(progressDue(undefined, 0, 1000, false));
  assert.ok(!progressDue(0, 999, 1000, false));
  assert.ok(progressDue(0, 1000, 1000, false));
  assert.ok(progressDue(0, 1, 1000, true));
});
