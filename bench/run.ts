/**
 * `npm run bench` (or `cxr bench`): runs every benchmark module in bench/ (each exports `run(): Promise<void>`
 * and prints its own figures). `npm run bench -- decode inference` runs only those; `--list` prints the names.
 */
import { readdir } from 'node:fs/promises';

const args = process.argv.slice(2);
const listOnly = args.includes('--list');
const only = args.filter((a) => a !== '--list');
const here = new URL('./', import.meta.url);
const names = (await readdir(here))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const unknown = only.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${names.join(', ')}\n`);
  process.exit(2);
}
if (listOnly) {
  process.stdout.write(`${names.join('\n')}\n`);
  process.exit(0);
}

let failed = 0;
for (const name of names) {
  process.stdout.write(`\n=== bench/${name} ===\n`);
  const started = performance.now();
  try {
    const mod = (await import(new URL(`${name}.ts`, here).href)) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    await mod.run();
  } catch (error) {
    failed += 1;
    process.stdout.write(`bench/${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.stdout.write(`(bench/${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
process.exitCode = failed > 0 ? 1 : 0;
