/**
 * Writes the air-gapped agent bundle: one tar with everything under `cxr-edge/` (bundle-plan.ts decides what),
 * plus `cxr-edge/BUNDLE.json` saying what it is. Run on a connected machine after `scripts/setup.sh`; unpack
 * and run `cxr-edge/deploy/bundle/install.sh` on the clinic's Debian 12 + Node 20 machine (docs/operations.md).
 * In: the repository root (set up: node_modules and .venv present), the output path. Out: the tar and a
 * summary. Bad input: a repository that was not set up → CXR_ERR_BUNDLE_INCOMPLETE; nothing is written then.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { CxrError } from '../../models/errors.ts';
import { bundleRoots, keepInBundle, type Lockfile, runtimePackages, sourceFolders } from './bundle-plan.ts';
import { cliSourceFiles } from './source-graph.ts';

export const BUNDLE_PREFIX = 'cxr-edge';

export interface BundleManifest {
  name: 'cxr-edge-agent-bundle';
  version: string;
  platform: 'linux-x64';
  node: string;
  modelVersion: string | undefined;
  createdAt: string;
  files: number;
  bytes: number;
  install: string;
}

/** What the bundle needs to find in the repository before anything is written. */
const REQUIRED = [
  'node_modules/tsx',
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  'models/baseline/manifest.json',
  'deploy/bundle/install.sh',
];

export async function writeAgentBundle(repoRoot: string, out: string, now: () => Date): Promise<BundleManifest> {
  const missing = REQUIRED.filter((rel) => !existsSync(join(repoRoot, rel)));
  if (missing.length > 0) {
    throw new CxrError(
      'CXR_ERR_BUNDLE_INCOMPLETE',
      `the repository is not set up for a bundle (run scripts/setup.sh); missing: ${missing.join(', ')}`,
    );
  }
  const readJson = <T>(rel: string) => JSON.parse(readFileSync(join(repoRoot, rel), 'utf8')) as T;
  const pkg = readJson<{ version: string; engines?: { node?: string } }>('package.json');
  const sources = await cliSourceFiles(repoRoot);
  const selection = { packages: runtimePackages(readJson<Lockfile>('package-lock.json')), sources };
  const folders = sourceFolders(sources);
  let files = 0;
  let bytes = 0;
  await tar.c(
    {
      cwd: repoRoot,
      file: out,
      portable: true,
      prefix: BUNDLE_PREFIX,
      filter: (path, stat) => {
        const isDir = 'isDirectory' in stat && stat.isDirectory();
        const keep = keepInBundle(path.replaceAll('\\', '/'), isDir, selection, folders);
        if (keep && 'isFile' in stat && stat.isFile()) {
          files++;
          bytes += stat.size;
        }
        return keep;
      },
    },
    bundleRoots(sources).filter((rel) => existsSync(join(repoRoot, rel))),
  );
  const manifest: BundleManifest = {
    name: 'cxr-edge-agent-bundle',
    version: pkg.version,
    platform: 'linux-x64',
    node: pkg.engines?.node ?? '>=20',
    modelVersion: readJson<{ version?: string }>('models/baseline/manifest.json').version,
    createdAt: now().toISOString(),
    files,
    bytes,
    install: `tar -xf ${out.split('/').at(-1)} && sudo bash ${BUNDLE_PREFIX}/deploy/bundle/install.sh`,
  };
  const staging = await mkdtemp(join(tmpdir(), 'cxr-bundle-'));
  try {
    await writeFile(join(staging, 'BUNDLE.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await tar.r({ cwd: staging, file: out, portable: true, prefix: BUNDLE_PREFIX }, ['BUNDLE.json']);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { ...manifest, bytes: statSync(out).size };
}
