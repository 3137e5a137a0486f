import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliSourceFiles, urlEntryPoints } from '../../../cli/bundle/source-graph.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('bundle source graph', () => {
  it('finds the scripts a file starts by URL relative to itself', () => {
    const text = [
      "const a = new URL('./pixel-worker.mjs', import.meta.url);",
      "const b = new URL( '../x/other.ts' , import.meta.url);",
      "const c = new URL('./model.onnx', import.meta.url);",
      "const d = new URL('https://example.org/a.js');",
    ].join('\n');
    assert.deepEqual(urlEntryPoints('agent/pipeline/pool/pixel-pool.ts', text), [
      'agent/pipeline/pool/pixel-worker.mjs',
      'agent/pipeline/x/other.ts',
    ]);
  });

  it("carries the agent's pixel worker and the code it imports, which no static import reaches", async () => {
    const files = await cliSourceFiles(REPO_ROOT);
    assert.ok(files.has('cli/main.ts'));
    assert.ok(files.has('agent/pipeline/pool/pixel-worker.mjs'));
    assert.ok(files.has('agent/pipeline/pool/pixel-worker.ts'));
  });
});
