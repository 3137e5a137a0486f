import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildResult, findingsOf, resultIdFor } from '../../../agent/screening/result-builder.ts';
import { decoders } from '../../../protocol/validate.ts';

const classes = ['Lung Opacity', 'Normal', 'Other'];
const thresholds = {
  'Lung Opacity': { threshold: 0.4, chosenOn: 'val' },
  Normal: { threshold: 0.9, chosenOn: 'val' },
  Other: { threshold: 0.5, chosenOn: 'val' },
};
const ids = {
  studyInstanceUid: '1.2.3.4',
  seriesInstanceUid: '1.2.3.4.5',
  sopInstanceUid: '1.2.3.4.5.6',
  patientId: 'PAT-0042',
};

function facts(probabilities = Float32Array.from([0.6, 0.2, 0.55])) {
  return {
    site: 'clinic-1',
    agent: 'room-2',
    siteSecret: 'secret-secret-secret',
    contentSha256: 'a'.repeat(64),
    image: {
      format: 'dicom' as const,
      rows: 2048,
      cols: 1800,
      meta: { modality: 'CR', viewPosition: 'PA', bitsStored: 12 },
      identifiers: ids,
    },
    manifest: { name: 'cxr', version: '1.2.0', modelSha256: 'b'.repeat(64), classes, thresholds },
    runtime: 'openvino' as const,
    probabilities,
    timingsMs: { read: 12.3456, infer: 4 },
    receivedAt: new Date('2026-01-01T00:00:00Z'),
    scoredAt: new Date('2026-01-01T00:00:01Z'),
  };
}

describe('result builder', () => {
  it('builds a protocol-valid result with probabilities per class and the findings called, never "Normal"', () => {
    const result = buildResult(facts(Float32Array.from([0.6, 0.95, 0.55])));
    assert.ok(decoders.result.check(result));
    assert.deepEqual(result.flags, ['Lung Opacity', 'Other']);
    assert.equal(result.triage?.tier, 'abnormal');
    assert.equal(result.triage?.normalClass, 'Normal');
    assert.deepEqual(result.triage?.findingClasses, ['Lung Opacity', 'Other']);
    assert.deepEqual(result.triage?.operatingPoints.Normal, { threshold: 0.9 });
    assert.ok(Math.abs((result.probabilities['Lung Opacity'] as number) - 0.6) < 1e-6);
    assert.deepEqual(result.image, {
      format: 'dicom',
      modality: 'CR',
      viewPosition: 'PA',
      projection: 'PA',
      rows: 2048,
      cols: 1800,
    });
    assert.deepEqual(result.model, { name: 'cxr', version: '1.2.0', sha256: 'b'.repeat(64) });
    assert.equal(result.timingsMs.read, 12.35);
    assert.equal(result.preview, undefined);
  });

  it('keys the result by sha256(site | content hash | model version)', () => {
    const expected = createHash('sha256')
      .update(`clinic-1|${'a'.repeat(64)}|1.2.0`)
      .digest('hex');
    assert.equal(buildResult(facts()).resultId, expected);
    assert.equal(resultIdFor('clinic-1', 'a'.repeat(64), '1.2.0'), expected);
    assert.notEqual(resultIdFor('clinic-1', 'a'.repeat(64), '1.3.0'), expected);
  });

  it('sends identifiers only as HMAC keys, never their values', () => {
    const result = buildResult(facts());
    const text = JSON.stringify(result);
    for (const value of Object.values(ids)) assert.ok(!text.includes(value), value);
    assert.match(result.keys.patient ?? '', /^[0-9a-f]{64}$/);
    assert.match(result.keys.image, /^[0-9a-f]{64}$/);
    const otherSite = buildResult({ ...facts(), siteSecret: 'another-secret-value' });
    assert.notEqual(otherSite.keys.patient, result.keys.patient, 'the key depends on the site secret');
  });

  it('refuses model output that does not match the manifest classes', () => {
    assert.throws(() => buildResult(facts(Float32Array.from([0.1, 0.2]))), { code: 'CXR_ERR_AGENT_BAD_MODEL_OUTPUT' });
    assert.throws(() => buildResult(facts(Float32Array.from([0.1, Number.NaN, 0.3]))), {
      code: 'CXR_ERR_AGENT_BAD_MODEL_OUTPUT',
    });
  });

  it('triages a confident normal film as likely-normal with no findings', () => {
    const result = buildResult(facts(Float32Array.from([0.1, 0.95, 0.2])));
    assert.deepEqual(result.flags, []);
    assert.equal(result.triage?.tier, 'likely-normal');
    assert.equal(result.triage?.score, Math.fround(0.2));
    assert.deepEqual(findingsOf(facts().manifest, [0.1, 0.95, 0.2]), []);
  });

  it('carries the acquisition time when the file gives one, and only then', () => {
    assert.equal(buildResult(facts()).acquiredAt, undefined);
    const acquiredAt = new Date('2025-12-31T23:40:00Z');
    assert.equal(buildResult({ ...facts(), acquiredAt }).acquiredAt, '2025-12-31T23:40:00.000Z');
  });
});
