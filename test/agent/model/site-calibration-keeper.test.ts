import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { CALIBRATION_FILE, SiteCalibrationKeeper } from '../../../agent/model/site-calibration-keeper.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { type SiteCalibration, signSiteCalibration } from '../../../models/triage/site-calibration.ts';
import type { SiteCalibrationMessage } from '../../../protocol/messages.ts';

const keys = generateKeyPair();
const manifest = {
  version: '1.2.0',
  classes: ['Lung Opacity', 'Normal'],
  thresholds: { 'Lung Opacity': { threshold: 0.4, chosenOn: 'val' }, Normal: { threshold: 0.9, chosenOn: 'val' } },
};

function messageFor(version: number, threshold: number, modelVersion = '1.2.0', site = 'clinic-1') {
  const calibration: SiteCalibration = {
    site,
    modelName: 'cxr',
    modelVersion,
    thresholds: { 'Lung Opacity': { threshold, chosenOn: 'site reads' } },
    reads: 40,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  const message: SiteCalibrationMessage = {
    v: 1,
    site,
    version,
    modelVersion,
    signed: signSiteCalibration(calibration, keys.privateKeyPem),
    issuedAt: '2026-01-01T00:00:00.000Z',
  };
  return message;
}

/** A logger whose lines the test reads back. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

const keeperIn = (dataDir: string, log = pino({ level: 'silent' })) =>
  new SiteCalibrationKeeper({
    dataDir,
    site: 'clinic-1',
    trustedPublicKeysPem: [keys.publicKeyPem],
    activeManifest: () => manifest,
    log,
  });

describe('site calibration keeper', () => {
  it('keeps a verified calibration on disk and uses it again after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cxr-calibration-'));
    const keeper = keeperIn(dataDir);
    await keeper.load();
    assert.equal(keeper.forManifest(manifest), undefined);
    await keeper.receive(messageFor(2, 0.75));
    assert.equal(keeper.forManifest(manifest)?.calibrationVersion, 2);
    assert.equal(JSON.parse(readFileSync(join(dataDir, CALIBRATION_FILE), 'utf8')).version, 2);
    const restarted = keeperIn(dataDir);
    await restarted.load();
    assert.equal(restarted.forManifest(manifest)?.thresholds['Lung Opacity']?.threshold, 0.75);
    await restarted.receive(messageFor(1, 0.6)); // a rollback sends an earlier version
    assert.equal(restarted.forManifest(manifest)?.calibrationVersion, 1);
  });

  it('ignores (with a log line) one for another model version, refuses another site, drops a tampered file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cxr-calibration-'));
    const { log, lines } = capture();
    const keeper = keeperIn(dataDir, log);
    await keeper.receive(messageFor(1, 0.7));
    await keeper.receive(messageFor(2, 0.8, '2.0.0'));
    assert.equal(keeper.forManifest(manifest), undefined, 'not for the active model');
    assert.equal(keeper.forManifest({ ...manifest, version: '2.0.0' })?.calibrationVersion, 2, 'applies once it runs');
    assert.ok(lines.some((l) => l.modelVersion === '2.0.0' && /another model version/.test(String(l.msg))));
    await keeper.receive(messageFor(3, 0.1, '1.2.0', 'clinic-9'));
    assert.equal(keeper.held?.version, 2);
    assert.ok(lines.some((l) => l.code === 'CXR_ERR_CALIBRATION_INVALID'));

    const kept = JSON.parse(readFileSync(join(dataDir, CALIBRATION_FILE), 'utf8'));
    kept.signed.payload = kept.signed.payload.replace('0.8', '0.01');
    writeFileSync(join(dataDir, CALIBRATION_FILE), JSON.stringify(kept));
    const restarted = keeperIn(dataDir, log);
    await restarted.load();
    assert.equal(restarted.held, undefined);
    assert.ok(lines.some((l) => l.code === 'CXR_ERR_CALIBRATION_UNTRUSTED'));
  });
});
