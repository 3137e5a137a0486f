/**
 * `cxr demo --check --json` as an operator runs it: a real hub, a real agent on the bundled (or tiny test)
 * model, the real sample images through watcher → pipeline → MQTT → ingest → worklist.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoSamples } from '../../cli/commands/demo.ts';
import { runCxr } from '../support/cxr-cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

it('delivers every sample chest image exactly once and quarantines the non-chest ones', async () => {
  const run = await runCxr(['demo', '--check', '--json', '--timeout', '90'], { cwd: REPO, timeout: 150_000 });
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  const summary = JSON.parse(run.stdout);
  const samples = demoSamples();
  assert.ok(samples.chest.length > 0 && samples.nonChest.length > 0);
  assert.equal(summary.ok, true);
  assert.equal(summary.images, samples.chest.length + samples.nonChest.length);
  assert.equal(summary.delivered, samples.chest.length);
  assert.equal(summary.quarantined, samples.nonChest.length);
  assert.match(summary.runtime, /^(openvino|onnxruntime)$/);
  assert.equal(typeof summary.seconds, 'number');
});
