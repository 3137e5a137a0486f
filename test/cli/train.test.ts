import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cxr, SAMPLES_CSV, TINY } from './trainer-cli-fixture.ts';

const work = await mkdtemp(join(tmpdir(), 'cxr-cli-train-'));
after(() => rm(work, { recursive: true, force: true }));

test('cxr train prepare --json: patient split counts; bad data path exits 2', async () => {
  const r = await cxr([
    'train',
    'prepare',
    '--data',
    SAMPLES_CSV,
    '--cache',
    join(work, 'cache'),
    '--resolution',
    '32',
    '--val',
    '0.3',
    '--test',
    '0.3',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.classes, ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal']);
  const total = ['train', 'val', 'test'].reduce(
    (n, s) => n + out.counts[s].reduce((a: number, b: number) => a + b, 0),
    0,
  );
  assert.equal(total, 11);
  const bad = await cxr(['train', 'prepare', '--data', join(work, 'nope.csv'), '--cache', join(work, 'c2'), '--json']);
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.stdout).error.code, 'CXR_ERR_DATASET_INVALID');
});

test('cxr train --json: one epoch, checkpoints and state, nothing but JSON on stdout', async () => {
  const out = join(work, 'run');
  const r = await cxr([
    'train',
    '--cache',
    join(work, 'cache'),
    '--out',
    out,
    ...TINY,
    '--epochs',
    '1',
    '--batch',
    '4',
    '--backend',
    'wasm',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.epochs, 1);
  assert.equal(res.backend, 'wasm');
  assert.deepEqual(res.arch.blocks, [3, 6, 12]);
  assert.ok(res.macs > 0 && res.params > 0);
  const state = JSON.parse(await readFile(join(out, 'train-state.json'), 'utf8'));
  assert.equal(state.history.length, 1);
  // --resume with more epochs continues from the last checkpoint
  const again = await cxr([
    'train',
    '--cache',
    join(work, 'cache'),
    '--out',
    out,
    ...TINY,
    '--epochs',
    '2',
    '--batch',
    '4',
    '--backend',
    'wasm',
    '--resume',
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).epochs, 2);
});
