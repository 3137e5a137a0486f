import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CXR = fileURLToPath(new URL('../../bin/cxr.mjs', import.meta.url));
const run = promisify(execFile);

async function cxr(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    return { code: 0, stdout: (await run(process.execPath, [CXR, ...args])).stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

it('cxr bench --list --json names every benchmark module', async () => {
  const { code, stdout } = await cxr('bench', '--list', '--json');
  assert.equal(code, 0);
  const names = (JSON.parse(stdout) as { benchmarks: { name: string }[] }).benchmarks.map((b) => b.name);
  assert.deepEqual(names, ['agent', 'decode', 'hub', 'inference', 'training']);
});

it('an unknown benchmark is bad input: exit 2 and CXR_ERR_BENCH_UNKNOWN under --json', async () => {
  const { code, stdout } = await cxr('bench', 'nope', '--json');
  assert.equal(code, 2);
  assert.equal((JSON.parse(stdout) as { error: { code: string } }).error.code, 'CXR_ERR_BENCH_UNKNOWN');
});
