import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const SOURCE_DIRS = ['agent', 'cli', 'hub', 'models', 'protocol', 'trainer'];

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

it('documents every CXR_ERR_* code used in the source in docs/errors.md', async () => {
  const used = new Set<string>();
  for (const dir of SOURCE_DIRS) {
    for await (const file of sourceFiles(join(root, dir))) {
      for (const match of (await readFile(file, 'utf8')).matchAll(/'(CXR_ERR_[A-Z0-9_]+)'/g)) used.add(match[1]!);
    }
  }
  const documented = new Set(
    [...(await readFile(join(root, 'docs/errors.md'), 'utf8')).matchAll(/^### (CXR_ERR_[A-Z0-9_]+)$/gm)].map(
      (m) => m[1]!,
    ),
  );
  const missing = [...used].filter((code) => !documented.has(code)).sort();
  assert.deepEqual(missing, [], `undocumented error codes: ${missing.join(', ')}`);
  assert.ok(used.has('CXR_ERR_INTERNAL'));
});
