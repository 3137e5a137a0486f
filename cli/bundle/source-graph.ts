/**
 * The repository's own source files the `cxr` CLI loads (statically or with `import()`), found by esbuild's
 * import graph from cli/main.ts: so the bundle carries exactly the code that runs, in whatever folder it lives.
 * In: the repository root. Out: paths relative to it, `/`-separated. npm packages stay out (bundle-plan.ts
 * chooses those from the lock file). esbuild is on the machine wherever `cxr` runs: the tsx loader depends on it.
 */
export async function cliSourceFiles(repoRoot: string): Promise<Set<string>> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: ['cli/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
    outdir: 'unused',
  });
  return new Set(Object.keys(result.metafile.inputs).filter((path) => !path.startsWith('node_modules/')));
}
