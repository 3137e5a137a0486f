/**
 * The repository's own source files the `cxr` CLI loads (statically or with `import()`), found by esbuild's
 * import graph from cli/main.ts, plus the worker entry files the code starts by URL (`new URL('./x.mjs',
 * import.meta.url)`, e.g. the agent's pixel workers) and their own graphs: so the bundle carries exactly the
 * code that runs, in whatever folder it lives. In: the repository root. Out: paths relative to it,
 * `/`-separated. npm packages stay out (bundle-plan.ts chooses those from the lock file). esbuild is on the
 * machine wherever `cxr` runs: the tsx loader depends on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Script files a source file starts by URL relative to itself (worker threads, child processes). */
export function urlEntryPoints(path: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/new URL\(\s*'(\.{1,2}\/[^']+\.(?:ts|mjs|js))'\s*,\s*import\.meta\.url\s*\)/g)) {
    found.push(posix.normalize(posix.join(posix.dirname(path), match[1] as string)));
  }
  return found;
}

async function importGraph(repoRoot: string, entryPoints: string[]): Promise<string[]> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
    outdir: 'unused',
  });
  return Object.keys(result.metafile.inputs).filter((path) => !path.startsWith('node_modules/'));
}

export async function cliSourceFiles(repoRoot: string): Promise<Set<string>> {
  const entries = new Set(['cli/main.ts']);
  const files = new Set<string>();
  for (;;) {
    for (const path of await importGraph(repoRoot, [...entries])) files.add(path);
    const more = [...files]
      .flatMap((path) => urlEntryPoints(path, readFileSync(join(repoRoot, path), 'utf8')))
      .filter((path) => !entries.has(path) && existsSync(join(repoRoot, path)));
    if (more.length === 0) return files;
    for (const path of more) entries.add(path);
  }
}
