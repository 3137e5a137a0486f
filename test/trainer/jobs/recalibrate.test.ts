/** Site recalibration (pure): operating points from one site's signed reads of the model's own results. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CalibrationRead, recalibrateSite } from '../../../trainer/jobs/recalibrate.ts';
import { heldBack, labelOf, labelsCsv } from '../../../trainer/jobs/training-data.ts';

const manifest = {
  name: 'm',
  version: '2.0.0',
  classes: ['Lung Opacity', 'Normal'],
  thresholds: { 'Lung Opacity': { threshold: 0.5, chosenOn: 'val' }, Normal: { threshold: 0.4, chosenOn: 'val' } },
};
const read = (p: number, present: boolean, extra: Partial<CalibrationRead> = {}): CalibrationRead => ({
  site: 'site-b',
  modelVersion: '2.0.0',
  probabilities: { 'Lung Opacity': p, Normal: 1 - p },
  decisions: { 'Lung Opacity': present ? 'present' : 'absent' },
  ...extra,
});

it("chooses the highest threshold reaching the target sensitivity on the site's positives", () => {
  const reads = [
    ...[0.9, 0.8, 0.7, 0.3, 0.2].map((p) => read(p, true)),
    ...[0.25, 0.1, 0.05, 0.6].map((p) => read(p, false)),
    read(0.99, true, { site: 'site-a' }),
    read(0.99, true, { modelVersion: '1.0.0' }),
  ];
  const { calibration, used, skipped } = recalibrateSite({
    site: 'site-b',
    manifest,
    reads,
    targetSensitivity: 0.8,
    now: new Date(0),
  });
  assert.equal(used, 9);
  assert.equal(skipped, 2);
  const lo = calibration.thresholds['Lung Opacity']!;
  assert.equal(lo.threshold, 0.3); // 4 of 5 positives at or above 0.3
  assert.equal(lo.sensitivity, 0.8);
  assert.equal(lo.specificity, 0.75);
  assert.equal(calibration.thresholds.Normal?.threshold, 0.4, "the normal class keeps the manifest's point");
  assert.equal(calibration.modelVersion, '2.0.0');
});

it("keeps the manifest's point when the site has too few positives", () => {
  const { calibration } = recalibrateSite({
    site: 'site-b',
    manifest,
    reads: [read(0.9, true), read(0.1, false)],
    targetSensitivity: 0.9,
    now: new Date(0),
  });
  assert.equal(calibration.thresholds['Lung Opacity']?.threshold, 0.5);
  assert.match(calibration.thresholds['Lung Opacity']!.chosenOn, /only 1 present/);
});

it('labels a read by its first finding present, else the normal class; holds back whole patients', () => {
  const base = {
    readId: 1,
    resultId: 'x',
    site: 's',
    patientKey: 'p',
    modelVersion: '1',
    classes: [],
    probabilities: {},
    readVersion: 1,
    signedAt: '',
    normal: false,
    pixels: null,
  };
  assert.equal(
    labelOf({ ...base, decisions: { 'Lung Opacity': 'present' } }, manifest.classes, 'Normal'),
    'Lung Opacity',
  );
  assert.equal(labelOf({ ...base, decisions: { 'Lung Opacity': 'absent' } }, manifest.classes, 'Normal'), 'Normal');
  assert.equal(labelOf({ ...base, decisions: {} }, manifest.classes, 'Normal'), undefined);
  const keys = Array.from({ length: 2000 }, (_, i) => `patient-${i}`);
  const held = keys.filter((k) => heldBack(k, 0.2, 1));
  assert.ok(held.length > 330 && held.length < 470, `${held.length} of 2000 held back`);
  assert.deepEqual(
    keys.filter((k) => heldBack(k, 0.2, 1)),
    held,
    'the same patients every time',
  );
  assert.equal(
    labelsCsv([{ path: '/a,b.png', label: 'Normal', patientKey: 'p', site: 's' }]),
    'file,label,patient_id,site\n"/a,b.png",Normal,p,s\n',
  );
});
