import assert from 'node:assert/strict';
import { test } from 'node:test';
import { viewOf } from '../../../models/image/chest-check.ts';
import { inputGate, outputGate, pixelStd, viewGate } from '../../../models/package/chest-gate.ts';

const gate = {
  minInputStd: 0.02,
  head: { output: 'gate_chest', threshold: 0.3 },
  distance: { output: 'gate_embedding', threshold: 4 },
  fittedOn: {},
};
const ramp = Float32Array.from({ length: 1000 }, (_, i) => i / 1000);

test('lateral DICOM views are refused with CXR_ERR_LATERAL_VIEW; frontal and unknown views pass', () => {
  assert.equal(viewOf('LL'), 'lateral');
  assert.equal(viewOf(' rl '), 'lateral');
  assert.equal(viewOf('PA'), 'frontal');
  assert.equal(viewOf(undefined), 'unknown');
  assert.equal(viewOf('XYZ'), 'unknown');
  const lateral = viewGate({ meta: { viewPosition: 'LAT', bitsStored: 8 } });
  assert.equal(lateral.ok, false);
  assert.equal(!lateral.ok && lateral.code, 'CXR_ERR_LATERAL_VIEW');
  assert.equal(inputGate({}, { meta: { viewPosition: 'LL', bitsStored: 8 } }, pixelStd(ramp)).ok, false);
  assert.equal(viewGate({ meta: { bitsStored: 8 } }).ok, true);
});

test('a near-uniform image is refused before inference; a textured one passes', () => {
  assert.ok(Math.abs(pixelStd(ramp) - 0.2887) < 1e-3);
  const flat = new Float32Array(5000).fill(0.7);
  const refused = inputGate({ gate }, { meta: { bitsStored: 8 } }, pixelStd(flat));
  assert.equal(!refused.ok && refused.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.equal(inputGate({ gate }, { meta: { bitsStored: 8 } }, pixelStd(ramp)).ok, true);
  assert.equal(inputGate({}, { meta: { bitsStored: 8 } }, pixelStd(flat)).ok, true, 'no gate in the package');
});

test('after inference: a low head probability or a large distance refuses; a missing output refuses too', () => {
  const z = (v: number) => new Float32Array(10).fill(v);
  assert.equal(outputGate({ gate }, { extra: { gate_chest: Float32Array.of(0.9), gate_embedding: z(1) } }).ok, true);
  const low = outputGate({ gate }, { extra: { gate_chest: Float32Array.of(0.1), gate_embedding: z(1) } });
  assert.equal(!low.ok && low.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.match(!low.ok ? low.reason : '', /gate 0\.100 < 0\.300/);
  const far = outputGate({ gate }, { extra: { gate_chest: Float32Array.of(0.9), gate_embedding: z(3) } });
  assert.equal(far.ok, false);
  assert.equal(far.scores.distance, 9);
  assert.equal(outputGate({ gate }, {}).ok, false);
  assert.equal(outputGate({}, {}).ok, true);
});
