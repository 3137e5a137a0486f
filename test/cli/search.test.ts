import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cxr, prepareTiny } from './trainer-cli-fixture.ts';

const work = await mkdtemp(join(tmpdir(), 'cxr-cli-search-'));
after(() => rm(work, { recursive: true, force: true }));

test('cxr search --json: successive halving table with MACs, OpenVINO latency, rungs and cost', async () => {
  const cache = await prepareTiny(work);
  const grid = [
    { alpha: 0.5, phi: 1, width: 0.0625, stages: 3 },
    { alpha: 0.5, phi: 1, width: 0.125, stages: 3 },
    { alpha: 1, beta: 1, phi: 1, width: 0.0625, stages: 3 },
  ];
  const out = join(work, 'search');
  const r = await cxr([
    'search',
    '--cache',
    cache,
    '--out',
    out,
    '--resolution',
    '32',
    '--rung-epochs',
    '1,2',
    '--rung-images',
    '5,5',
    '--grid',
    JSON.stringify(grid),
    '--backend',
    'wasm',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.rows.length, 3);
  assert.deepEqual(res.rows.map((x: { rung: number }) => x.rung).sort(), [0, 1, 1]);
  for (const row of res.rows) {
    assert.ok(row.macs > 0 && row.params > 0);
    assert.ok(row.latencyMs > 0, 'OpenVINO latency measured');
  }
  assert.equal(res.cost.fullImageEpochs, 3 * 25 * 5);
  assert.ok(res.cost.imageEpochs < res.cost.fullImageEpochs);
  assert.match(await readFile(join(out, 'search.md'), 'utf8'), /\| candidate \|/);
});
