import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pixelStd, type TextureStats } from '../../../models/image/image-stats.ts';
import { inputGate, outputGate, viewGate } from '../../../models/package/chest-gate.ts';

const gate = {
  minInputStd: 0.02,
  head: { output: 'gate_chest', threshold: 0.3 },
  distance: { output: 'gate_embedding', threshold: 4 },
  fittedOn: {},
};
const ramp = Float32Array.from({ length: 1000 }, (_, i) => i / 1000);
const grey = { bitsStored: 8 };
const film: TextureStats = { std: 0.2, flat: 0.1 };

test('lateral DICOM views are refused with CXR_ERR_LATERAL_VIEW; frontal and unknown views pass', () => {
  const lateral = viewGate({ meta: { viewPosition: 'LAT', bitsStored: 8 } });
  assert.equal(lateral.ok, false);
  assert.equal(!lateral.ok && lateral.code, 'CXR_ERR_LATERAL_VIEW');
  assert.match(!lateral.ok ? lateral.reason : '', /\(View Position LAT\)/);
  // the reader's verdict from another tag (models/image/view-projection.ts) is the one used
  const byOrientation = viewGate({
    meta: { bitsStored: 8, view: { kind: 'lateral', source: 'Patient Orientation', said: 'A\\F' } },
  });
  assert.match(!byOrientation.ok ? byOrientation.reason : '', /^lateral projection \(Patient Orientation A\\F\)/);
  assert.equal(viewGate({ meta: { viewPosition: 'PA', bitsStored: 8 } }).ok, true);
  assert.equal(inputGate({}, { meta: { viewPosition: 'LL', bitsStored: 8 } }, film).ok, false);
  assert.equal(viewGate({ meta: { bitsStored: 8 } }).ok, true);
});

test('a near-uniform image is refused before inference; a textured one passes', () => {
  assert.ok(Math.abs(pixelStd(ramp) - 0.2887) < 1e-3);
  const flat = new Float32Array(5000).fill(0.7);
  const uniform = { std: pixelStd(flat), flat: 1 };
  const refused = inputGate({ gate }, { meta: grey }, uniform);
  assert.equal(!refused.ok && refused.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.equal(inputGate({ gate }, { meta: grey }, { std: pixelStd(ramp), flat: 0.1 }).ok, true);
  assert.equal(inputGate({}, { meta: grey }, uniform).ok, true, 'no gate in the package');
});

test('a colour image and one flat over most of its grey area are refused when the manifest sets the limits', () => {
  const strict = { gate: { ...gate, maxChroma: 0.05, maxFlatFraction: 0.5 } };
  const colour = inputGate(strict, { meta: { ...grey, chroma: 0.3 } }, film);
  assert.equal(!colour.ok && colour.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.match(!colour.ok ? colour.reason : '', /colour image \(chroma 0\.300 > 0\.050\)/);
  assert.equal(
    inputGate(strict, { meta: { ...grey, chroma: 0.01 } }, film).ok,
    true,
    'JPEG chroma noise on a grey film',
  );
  const drawing = inputGate(strict, { meta: grey }, { std: 0.2, flat: 0.9 });
  assert.equal(!drawing.ok && drawing.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.match(!drawing.ok ? drawing.reason : '', /exactly flat over 90 %/);
  assert.deepEqual(drawing.scores, { pixelStd: 0.2, flat: 0.9 });
  // since 3.1.1: colour beyond a tint refuses; a tint alone only above the (then higher) chroma limit
  const tintAware = { gate: { ...gate, maxChroma: 0.3, maxColourResidual: 0.025 } };
  const sepiaFilm = { meta: { ...grey, chroma: 0.2, colourResidual: 0.01 } };
  assert.equal(inputGate(tintAware, sepiaFilm, film).ok, true, 'a tinted film');
  const photo = inputGate(tintAware, { meta: { ...grey, chroma: 0.2, colourResidual: 0.06 } }, film);
  assert.match(!photo.ok ? photo.reason : '', /colour beyond a tint 0\.060 > 0\.025/);
  assert.deepEqual(photo.scores, { pixelStd: 0.2, flat: 0.1, chroma: 0.2, colourResidual: 0.06 });
  const stronglyTinted = inputGate(tintAware, { meta: { ...grey, chroma: 0.45, colourResidual: 0.02 } }, film);
  assert.match(!stronglyTinted.ok ? stronglyTinted.reason : '', /chroma 0\.450 > 0\.300/);
  // 3.0.0's manifest has neither limit: both rules are off
  assert.equal(inputGate({ gate }, { meta: { ...grey, chroma: 0.3 } }, { std: 0.2, flat: 0.9 }).ok, true);
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
