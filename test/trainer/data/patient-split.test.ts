import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from '../../../trainer/data/csv.ts';
import type { LabelledImage } from '../../../trainer/data/dataset-types.ts';
import { patientSplit } from '../../../trainer/data/patient-split.ts';

const items: LabelledImage[] = [];
for (let p = 0; p < 100; p++)
  for (let k = 0; k < 1 + (p % 3); k++) items.push({ path: `p${p}_${k}`, label: p % 2, patientId: `P${p}`, site: 'A' });

test('patient split: no patient in two splits, stratified, seeded', () => {
  const a = patientSplit(['A', 'B'], items, { val: 0.2, test: 0.2, seed: 5 });
  const b = patientSplit(['A', 'B'], items, { val: 0.2, test: 0.2, seed: 5 });
  const c = patientSplit(['A', 'B'], items, { val: 0.2, test: 0.2, seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.splits.test, c.splits.test);
  const owner = new Map<string, string>();
  for (const [name, list] of Object.entries(a.splits))
    for (const it of list) {
      assert.equal(owner.get(it.patientId) ?? name, name);
      owner.set(it.patientId, name);
    }
  const patients = (s: 'train' | 'val' | 'test', label: number) =>
    new Set(a.splits[s].filter((i) => i.label === label).map((i) => i.patientId)).size;
  assert.equal(patients('test', 0), 10);
  assert.equal(patients('test', 1), 10);
  assert.equal(patients('val', 1), 10);
  assert.equal(a.splits.train.length + a.splits.val.length + a.splits.test.length, items.length);
});

test('two sites are split separately: each has its own val and test patients in its own proportions', () => {
  const two: LabelledImage[] = [
    ...items,
    ...Array.from({ length: 40 }, (_, p) => ({ path: `b${p}`, label: p < 10 ? 1 : 0, patientId: `P${p}`, site: 'B' })),
  ];
  const split = patientSplit(['A', 'B'], two, { val: 0.2, test: 0.2, seed: 5 });
  const count = (s: 'train' | 'val' | 'test', site: string, label: number) =>
    split.splits[s].filter((i) => i.site === site && i.label === label).length;
  assert.equal(count('test', 'B', 1), 2);
  assert.equal(count('test', 'B', 0), 6);
  assert.equal(count('val', 'B', 0), 6);
  // the same patient id at two sites is two patients; site A splits exactly as it does alone
  const alone = patientSplit(['A', 'B'], items, { val: 0.2, test: 0.2, seed: 5 });
  assert.deepEqual(
    split.splits.test.filter((i) => i.site === 'A'),
    alone.splits.test,
  );
});

test('CSV parser handles quotes, commas and CRLF', () => {
  assert.deepEqual(parseCsv('file,label\r\n"a,b.png","Lung ""x"""\r\nc.png,Normal\n'), [
    ['file', 'label'],
    ['a,b.png', 'Lung "x"'],
    ['c.png', 'Normal'],
  ]);
});
