/**
 * Where libopenvino_c is: the explicit option, else env CXR_OPENVINO_LIB, else the project's venv
 * (`.venv/lib/python3.* /site-packages/openvino/libs/libopenvino_c.so.<NNNN>`: the PyPI wheel ships only the
 * versioned name), else the usual system install paths. Returns candidates in that order, first existing wins.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SYSTEM_DIRS = [
  '/opt/intel/openvino/runtime/lib/intel64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/local/lib',
  '/usr/lib',
];

function listMatching(dir: string, pattern: RegExp): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => pattern.test(name))
      .sort()
      .reverse()
      .map((name) => join(dir, name));
  } catch {
    return []; // the directory does not exist: no candidates there
  }
}

function venvCandidates(root: string): string[] {
  const lib = join(root, '.venv', 'lib');
  return listMatching(lib, /^python3/).flatMap((python) =>
    listMatching(join(python, 'site-packages', 'openvino', 'libs'), /^libopenvino_c\.so\.\d+$/),
  );
}

export interface OpenVinoLocation {
  /** The path to load, or undefined when nothing was found. */
  path: string | undefined;
  /** Where it came from, for the `reason` line. */
  source: 'option' | 'env CXR_OPENVINO_LIB' | 'project venv' | 'system' | 'none';
}

export function findOpenVinoLib(explicit?: string, env: NodeJS.ProcessEnv = process.env): OpenVinoLocation {
  if (explicit) return { path: explicit, source: 'option' };
  if (env.CXR_OPENVINO_LIB) return { path: env.CXR_OPENVINO_LIB, source: 'env CXR_OPENVINO_LIB' };
  const venv = venvCandidates(REPO_ROOT).find((path) => existsSync(path));
  if (venv) return { path: venv, source: 'project venv' };
  const system = SYSTEM_DIRS.flatMap((dir) => listMatching(dir, /^libopenvino_c\.so(\.\d+)*$/)).find(existsSync);
  return system ? { path: system, source: 'system' } : { path: undefined, source: 'none' };
}
