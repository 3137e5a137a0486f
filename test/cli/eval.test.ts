import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cxr, exportTiny, prepareTiny, SAMPLES_CSV, trainTiny } from './trainer-cli-fixture.ts';

const work = await mkdtemp(join(tmpdir(), 'cxr-cli-eval-'));
after(() => rm(work, { recursive: true, force: true }));

test('cxr eval --json: auroc per class (null for the 1-example class), meanAuroc, ci95, n; HTML report', async () => {
  const cache = await prepareTiny(work);
  const { pkg, pub, run } = await exportTiny(work, cache, await trainTiny(work, cache));
  assert.equal(run.code, 0, run.stderr);
  const report = join(work, 'report.html');
  const r = await cxr([
    'eval',
    '--model',
    pkg,
    '--labels',
    SAMPLES_CSV,
    '--runtime',
    'onnxruntime',
    '--trust',
    pub,
    '--report',
    report,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out.auroc), ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal']);
  assert.equal(out.auroc['No Lung Opacity / Not Normal'], null);
  assert.equal(out.ci95['No Lung Opacity / Not Normal'], null);
  assert.equal(typeof out.auroc['Lung Opacity'], 'number');
  assert.equal(typeof out.meanAuroc, 'number');
  assert.deepEqual(out.n['Lung Opacity'], { positives: 5, negatives: 6 });
  assert.equal(out.images.evaluated, 11);
  const ci = out.ci95['Lung Opacity'];
  assert.ok(ci[0] <= out.auroc['Lung Opacity'] && out.auroc['Lung Opacity'] <= ci[1]);
  const html = await readFile(report, 'utf8');
  assert.match(html, /<svg/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);
  // untrusted publisher -> input error, exit 2
  const untrusted = await cxr(['eval', '--model', pkg, '--labels', SAMPLES_CSV, '--json']);
  assert.equal(untrusted.code, 2);
  assert.match(JSON.parse(untrusted.stdout).error.code, /^CXR_ERR_/);
});
