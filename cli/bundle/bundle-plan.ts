/**
 * What goes into the air-gapped agent bundle (pure): in, the repository's package-lock.json, the source files
 * the `cxr` CLI imports (source-graph.ts) and the paths under the repository root; out, whether each path is
 * packed. `cxr bundle` (write-bundle.ts) walks the tree with these rules. Kept: every source file `cxr`
 * imports (whatever folder it is in), the data the code reads at run time (package.json, the signed baseline
 * model and trusted keys, the dashboard's files), deploy/ (units, PKI scripts, install script, examples), the
 * docs, the npm packages the code runs on (production dependencies plus the tsx loader `bin/cxr.mjs` needs)
 * for linux-x64 only, and the OpenVINO CPU runtime libraries from `.venv`. Left out: everything else (tests,
 * sample images, benches, git), dev-only npm packages (TypeScript, Biome, fast-check, types), source maps and
 * type declarations, other platforms' binaries, native build leftovers and OpenVINO's GPU/NPU plugins and
 * non-ONNX frontends.
 */

/** Files and folders packed whole (besides the imported sources), relative to the repository root. */
export const DATA_ROOTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'README.md',
  'bin',
  'models/baseline',
  'models/trusted-keys',
  'hub/web',
  'deploy',
  'docs',
] as const;

/** The top-level entries to hand to the tar walker (it descends through `keepInBundle`). */
export function bundleRoots(sources: Iterable<string>): string[] {
  const tops = new Set<string>(['node_modules', '.venv']);
  for (const path of [...DATA_ROOTS, ...sources]) tops.add(path.split('/')[0] as string);
  return [...tops].sort();
}

/** npm packages that are dev dependencies in the lock file but that `bin/cxr.mjs` loads at run time. */
export const RUNTIME_DEV_PACKAGES = ['tsx'] as const;

interface LockPackage {
  dev?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface Lockfile {
  packages: Record<string, LockPackage>;
}

/** Where npm resolved `name` for the package at `from` (its own node_modules first, then up the tree). */
function resolveIn(lock: Lockfile, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    const at = base.lastIndexOf('/node_modules/');
    if (base === '') return undefined;
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/**
 * The lock-file paths (`node_modules/a`, `node_modules/a/node_modules/b`) of every package the bundle needs:
 * the production ones, and the run-time dev packages with everything they depend on.
 */
export function runtimePackages(lock: Lockfile): Set<string> {
  const keep = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) keep.add(path);
  }
  const queue: string[] = RUNTIME_DEV_PACKAGES.map((name) => `node_modules/${name}`);
  while (queue.length > 0) {
    const path = queue.pop() as string;
    const entry = lock.packages[path];
    if (entry === undefined || keep.has(path)) continue;
    keep.add(path);
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const dep = resolveIn(lock, path, name);
      if (dep) queue.push(dep);
    }
  }
  return keep;
}

/** The innermost package folder a node_modules path lies in (`node_modules/@a/b/node_modules/c`), if any. */
export function packageOf(path: string): string | undefined {
  const parts = path.split('/');
  let end = -1;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] !== 'node_modules' || i + 1 >= parts.length) continue;
    end = (parts[i + 1] as string).startsWith('@') ? i + 2 : i + 1;
    if (end >= parts.length) return undefined; // `node_modules/@scope` itself
  }
  return end < 0 ? undefined : parts.slice(0, end + 1).join('/');
}

/** The folders from `.venv` down to the OpenVINO wheel's `libs`, where models/runtime/find-openvino.ts looks. */
const VENV_FOLDERS = /^\.venv(\/lib(\/python3[^/]*(\/site-packages(\/openvino(\/libs)?)?)?)?)?$/;
const OPENVINO_LIB = /^\.venv\/lib\/python3[^/]*\/site-packages\/openvino\/libs\/([^/]+)$/;
/** OpenVINO parts the agent loads: the C API, the core, the CPU plugin, the ONNX/IR frontends, TBB, hwloc. */
const OPENVINO_KEEP =
  /^lib(openvino_c|openvino|openvino_intel_cpu_plugin|openvino_onnx_frontend|openvino_ir_frontend|openvino_auto_plugin|openvino_hetero_plugin|openvino_auto_batch_plugin|tbb|tbbmalloc|tbbbind_2_5|hwloc)\.so/;

/** Files inside kept npm packages that are never needed at run time. */
const PACKAGE_FILE_EXCLUDES = [
  /\.map$/,
  /\.d\.[cm]?ts$/,
  /\.tsbuildinfo$/,
  // onnxruntime-node ships every platform's binaries; the bundle is linux-x64.
  /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/(darwin|win32|linux\/arm64)(\/|$)/,
  // better-sqlite3 was built here from source: only the addon itself runs.
  /^node_modules\/better-sqlite3\/(deps|src)(\/|$)/,
  /^node_modules\/better-sqlite3\/build\/(?!Release(\/better_sqlite3\.node)?$)/,
  // Type-only packages (some libraries list them as dependencies): nothing in them runs.
  /(^|\/)node_modules\/@types(\/|$)/,
  /(^|\/)node_modules\/\.bin(\/|$)/,
  /(^|\/)node_modules\/\.package-lock\.json$/,
  /(^|\/)node_modules\/\.cxr-lock-sha256$/,
];

/** What the bundle keeps: `runtimePackages(lock)` and the imported source files (relative, `/`-separated). */
export interface BundleSelection {
  packages: ReadonlySet<string>;
  sources: ReadonlySet<string>;
}

/** The folders that lead to a kept source file (so the walker descends into them). */
export function sourceFolders(sources: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const file of sources) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return folders;
}

/**
 * Whether `path` (relative to the repository root, `/`-separated) goes into the bundle; `isDir` says whether it
 * is a folder (folders are walked, files packed). `folders` is `sourceFolders(selection.sources)`.
 */
export function keepInBundle(
  path: string,
  isDir: boolean,
  selection: BundleSelection,
  folders: ReadonlySet<string>,
): boolean {
  const top = path.split('/')[0] as string;
  if (top === '.venv') {
    // Only the way down to openvino/libs, and in it the libraries the CPU runtime loads.
    if (isDir) return VENV_FOLDERS.test(path);
    const lib = OPENVINO_LIB.exec(path)?.[1];
    return lib !== undefined && OPENVINO_KEEP.test(lib);
  }
  if (top === 'node_modules') {
    if (PACKAGE_FILE_EXCLUDES.some((re) => re.test(path))) return false;
    const pkg = packageOf(path);
    // node_modules itself, or a scope folder (walked when it holds a kept package)
    if (pkg === undefined) return isDir && [...selection.packages].some((p) => p.startsWith(`${path}/`));
    return selection.packages.has(pkg);
  }
  if (DATA_ROOTS.some((root) => path === root || path.startsWith(`${root}/`))) return true;
  if (isDir) return folders.has(path) || DATA_ROOTS.some((root) => root.startsWith(`${path}/`));
  if (selection.sources.has(path)) return true;
  // A data file beside imported code (a JSON table, SQL, a font) may be read at run time: keep it.
  const folder = path.slice(0, Math.max(0, path.lastIndexOf('/')));
  return folders.has(folder) && !CODE_FILE.test(path);
}

/** Source and test files, which ship only when imported. */
const CODE_FILE = /\.([cm]?[jt]s|tsx|jsx|py|sh)$/;
