import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiagnosticPixels } from '../../../models/image/types.ts';
import { displayWindows } from '../../../trainer/gate/display-windows.ts';

/** A CT-like image stored as unsigned samples with intercept −1024: air, lung, water, bone, padding. */
function ct(values: number[], invert = false): DiagnosticPixels {
  return {
    samples: Uint16Array.from(values, (v) => v + 1024),
    bitsStored: 12,
    slope: 1,
    intercept: -1024,
    window: { center: 40, width: 400 },
    invert,
  };
}

const at = (renders: ReturnType<typeof displayWindows>, name: string) => {
  const r = renders.find((w) => w.name === name);
  assert.ok(r, `no ${name} window in ${renders.map((w) => w.name)}`);
  return Array.from(r.pixels, (v) => Math.round(v * 1000) / 1000);
};

test('a CT slice is rendered in lung, mediastinum and bone windows and over its full range', () => {
  // air -1000, lung -700, water 0, soft tissue 40, bone 1000
  const renders = displayWindows(ct([-1000, -700, 0, 40, 1000]), 'CT');
  assert.deepEqual(
    renders.map((w) => w.name),
    ['lung', 'mediastinum', 'bone', 'full'],
  );
  // lung window -600/1500 spans -1350..150: air is dark grey, lung darker than water, bone white
  assert.deepEqual(at(renders, 'lung'), [0.233, 0.433, 0.9, 0.927, 1]);
  // mediastinum 40/400 spans -160..240: air and lung black, soft tissue mid-grey
  assert.deepEqual(at(renders, 'mediastinum'), [0, 0, 0.4, 0.5, 1]);
  // bone 500/2000 spans -500..1500
  assert.deepEqual(at(renders, 'bone'), [0, 0, 0.25, 0.27, 0.75]);
  // full range -1000..1000
  assert.deepEqual(at(renders, 'full'), [0, 0.15, 0.5, 0.52, 1]);
});

test('MONOCHROME1 windows are inverted', () => {
  assert.deepEqual(at(displayWindows(ct([-1000, 0, 1000], true), 'CT'), 'full'), [1, 0.5, 0]);
});

test('a "CT" whose values never reach air is not in Hounsfield units: no windows', () => {
  assert.deepEqual(displayWindows(ct([0, 100, 200]), 'CT'), []);
});

test('MR, NM and PT get their full range only; radiographs, ultrasound and flat images none', () => {
  const mr: DiagnosticPixels = { ...ct([0, 0]), samples: Uint16Array.of(100, 300, 500), intercept: 0 };
  for (const modality of ['MR', 'NM', 'PT']) {
    const renders = displayWindows(mr, modality);
    assert.deepEqual(
      renders.map((w) => w.name),
      ['full'],
    );
    assert.deepEqual(at(renders, 'full'), [0, 0.5, 1]);
  }
  for (const modality of ['CR', 'DX', 'US', 'OT']) assert.deepEqual(displayWindows(mr, modality), []);
  const flat: DiagnosticPixels = { ...mr, samples: Uint16Array.of(7, 7, 7) };
  assert.deepEqual(displayWindows(flat, 'MR'), []);
});
