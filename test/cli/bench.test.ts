import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCxr } from '../support/cxr-cli.ts';

it('cxr bench --list --json names every benchmark module', async () => {
  const { code, stdout } = await runCxr(['bench', '--list', '--json']);
  assert.equal(code, 0);
  const names = (JSON.parse(stdout) as { benchmarks: { name: string }[] }).benchmarks.map((b) => b.name);
  assert.deepEqual(names, ['agent', 'decode', 'hub', 'inference', 'scale-out', 'training', 'viewer', 'viewing']);
});

it('an unknown benchmark is bad input: exit 2 and CXR_ERR_BENCH_UNKNOWN under --json', async () => {
  const { code, stdout } = await runCxr(['bench', 'nope', '--json']);
  assert.equal(code, 2);
  assert.equal((JSON.parse(stdout) as { error: { code: string } }).error.code, 'CXR_ERR_BENCH_UNKNOWN');
});
