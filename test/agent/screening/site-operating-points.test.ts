import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildResult } from '../../../agent/screening/result-builder.ts';
import { acceptCalibration, operatingPointsFor } from '../../../agent/screening/site-operating-points.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { type SiteCalibration, signSiteCalibration } from '../../../models/triage/site-calibration.ts';
import { decoders } from '../../../protocol/validate.ts';

const trusted = generateKeyPair();
const stranger = generateKeyPair();
const classes = ['Lung Opacity', 'Normal', 'Other'];
const manifest = {
  name: 'cxr',
  version: '1.2.0',
  modelSha256: 'b'.repeat(64),
  classes,
  thresholds: {
    'Lung Opacity': { threshold: 0.4, chosenOn: 'val' },
    Normal: { threshold: 0.9, chosenOn: 'val' },
    Other: { threshold: 0.5, chosenOn: 'val' },
  },
};

const calibration = (overrides: Partial<SiteCalibration> = {}): SiteCalibration => ({
  site: 'clinic-1',
  modelName: 'cxr',
  modelVersion: '1.2.0',
  thresholds: { 'Lung Opacity': { threshold: 0.7, chosenOn: 'sensitivity 0.9 on 50 site reads' } },
  reads: 50,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});
const message = (c: SiteCalibration, version = 3, key = trusted.privateKeyPem) => ({
  site: c.site,
  version,
  modelVersion: c.modelVersion,
  signed: signSiteCalibration(c, key),
});

describe('site operating points on the agent', () => {
  it('accepts a calibration signed by a trusted key for this site and replaces only its classes', () => {
    const held = acceptCalibration(message(calibration()), 'clinic-1', [trusted.publicKeyPem]);
    assert.equal(held.version, 3);
    const points = operatingPointsFor(held, manifest);
    assert.equal(points?.calibrationVersion, 3);
    assert.equal(points?.thresholds['Lung Opacity']?.threshold, 0.7);
    assert.equal(points?.thresholds.Other?.threshold, 0.5, 'the manifest keeps the classes the site did not change');
  });

  it('refuses an untrusted signature, another site and a message that disagrees with what was signed', () => {
    assert.throws(
      () => acceptCalibration(message(calibration(), 1, stranger.privateKeyPem), 'clinic-1', [trusted.publicKeyPem]),
      { code: 'CXR_ERR_CALIBRATION_UNTRUSTED' },
    );
    assert.throws(
      () => acceptCalibration(message(calibration({ site: 'clinic-9' })), 'clinic-1', [trusted.publicKeyPem]),
      { code: 'CXR_ERR_CALIBRATION_INVALID' },
    );
    const forged = { ...message(calibration()), modelVersion: '9.9.9' };
    assert.throws(() => acceptCalibration(forged, 'clinic-1', [trusted.publicKeyPem]), {
      code: 'CXR_ERR_CALIBRATION_INVALID',
    });
  });

  it('applies only to the model version it names, and refuses classes the model does not have', () => {
    const held = acceptCalibration(message(calibration({ modelVersion: '1.1.0' })), 'clinic-1', [trusted.publicKeyPem]);
    assert.equal(operatingPointsFor(held, manifest), undefined);
    assert.equal(operatingPointsFor(undefined, manifest), undefined);
    const alien = acceptCalibration(
      message(calibration({ thresholds: { Cardiomegaly: { threshold: 0.2, chosenOn: 'x' } } })),
      'clinic-1',
      [trusted.publicKeyPem],
    );
    assert.throws(() => operatingPointsFor(alien, manifest), { code: 'CXR_ERR_CALIBRATION_INVALID' });
  });

  it("changes the result's tier and carries the calibration version", () => {
    const facts = {
      site: 'clinic-1',
      agent: 'room-2',
      siteSecret: 'secret-secret-secret',
      contentSha256: 'a'.repeat(64),
      image: { format: 'png' as const, rows: 64, cols: 64, meta: { bitsStored: 8 }, identifiers: {} },
      manifest,
      runtime: 'onnxruntime' as const,
      probabilities: Float32Array.from([0.6, 0.2, 0.1]),
      timingsMs: {},
      receivedAt: new Date('2026-01-01T00:00:00Z'),
      scoredAt: new Date('2026-01-01T00:00:01Z'),
    };
    const plain = buildResult(facts);
    assert.equal(plain.triage?.tier, 'abnormal');
    assert.equal(plain.triage?.calibrationVersion, undefined);
    const held = acceptCalibration(message(calibration()), 'clinic-1', [trusted.publicKeyPem]);
    const points = operatingPointsFor(held, manifest);
    assert.ok(points);
    const calibrated = buildResult({ ...facts, calibration: points });
    assert.ok(decoders.result.check(calibrated));
    assert.equal(calibrated.triage?.tier, 'indeterminate', '0.6 is under the site operating point 0.7');
    assert.deepEqual(calibrated.flags, []);
    assert.equal(calibrated.triage?.calibrationVersion, 3);
    assert.equal(calibrated.triage?.operatingPoints['Lung Opacity']?.threshold, 0.7);
  });
});
