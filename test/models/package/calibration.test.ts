import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrateProbabilities, temperatureScale } from '../../../models/package/calibration.ts';

test('temperature scaling keeps 0.5 and the order, T > 1 pulls probabilities towards 0.5', () => {
  assert.ok(Math.abs(temperatureScale(0.5, 3) - 0.5) < 1e-9);
  assert.ok(temperatureScale(0.9, 2) < 0.9 && temperatureScale(0.9, 2) > 0.5);
  assert.ok(temperatureScale(0.9, 0.5) > 0.9);
  assert.ok(temperatureScale(0.2, 2) < temperatureScale(0.3, 2));
});

test('calibrateProbabilities applies each class its own temperature; no calibration section: a copy', () => {
  const manifest = {
    classes: ['A', 'B'],
    calibration: { method: 'temperature' as const, temperature: { A: 2 }, fittedOn: 'test' },
  };
  const raw = Float32Array.of(0.9, 0.9);
  const out = calibrateProbabilities(manifest, raw);
  assert.ok(Math.abs(out[0]! - temperatureScale(0.9, 2)) < 1e-6);
  assert.equal(out[1], raw[1]);
  const copy = calibrateProbabilities({ classes: ['A', 'B'] }, raw);
  assert.deepEqual(copy, raw);
  assert.notEqual(copy, raw);
});
