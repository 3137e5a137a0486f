/**
 * The agent's model versions on disk (thin I/O adapter, docs/rollout.md "Agent"):
 *
 *   <dataDir>/models/state.json              {active, previous, failed[], installed[]}, written atomically
 *   <dataDir>/models/<version>/              verified package directories (manifest.json, model.onnx, signature)
 *   <dataDir>/models/.download/<sha256>.part downloads in progress (resumed with Range)
 *   <dataDir>/models/.staging/<random>/      unpacked packages being verified (renamed into place when they pass)
 *
 * Failures: an unreadable or malformed state.json → CXR_ERR_AGENT_MODEL_STATE_INVALID; a disk error while
 * writing state or moving a version into place → CXR_ERR_AGENT_MODEL_STORE; a version that is not a safe
 * folder name → CXR_ERR_AGENT_MODEL_VERSION_INVALID.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CxrError } from '../../models/errors.ts';
import { MANIFEST_FILE } from '../../models/package/package-files.ts';
import { EMPTY_MODEL_STATE, type ModelState } from './take-up-policy.ts';

const STATE_FILE = 'state.json';
/** A version is a folder name: no separators, no leading dot (`.download`, `.staging` are ours). */
const SAFE_VERSION = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,63}$/;

const StateSchema = TypeCompiler.Compile(
  Type.Object({
    active: Type.Optional(Type.String()),
    previous: Type.Optional(Type.String()),
    failed: Type.Array(
      Type.Object({ version: Type.String(), sha256: Type.String(), rolloutId: Type.Optional(Type.String()) }),
    ),
    installed: Type.Array(
      Type.Object({
        version: Type.String(),
        sha256: Type.String(),
        rolloutId: Type.Optional(Type.String()),
        installedAt: Type.String(),
      }),
    ),
  }),
);

export function checkVersionName(version: string): string {
  if (!SAFE_VERSION.test(version)) {
    throw new CxrError(
      'CXR_ERR_AGENT_MODEL_VERSION_INVALID',
      `version "${version.slice(0, 64)}" is not a safe folder name`,
    );
  }
  return version;
}

function storeError(what: string, cause: unknown): CxrError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return new CxrError('CXR_ERR_AGENT_MODEL_STORE', `cannot ${what} (${code})`, { kind: 'internal', cause });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class ModelStore {
  constructor(readonly root: string) {}

  versionDir(version: string): string {
    return join(this.root, checkVersionName(version));
  }

  /** True when `<root>/<version>/` holds a package (it is verified again whenever it is loaded). */
  hasVersion(version: string): boolean {
    return SAFE_VERSION.test(version) && existsSync(join(this.root, version, MANIFEST_FILE));
  }

  partPath(sha256: string): string {
    return join(this.root, '.download', `${sha256}.part`);
  }

  async makeStagingDir(): Promise<string> {
    try {
      await mkdir(join(this.root, '.staging'), { recursive: true });
      return await mkdtemp(join(this.root, '.staging', 'pkg-'));
    } catch (cause) {
      throw storeError('create a staging folder for a model package', cause);
    }
  }

  async readState(): Promise<ModelState> {
    let text: string;
    try {
      text = await readFile(join(this.root, STATE_FILE), 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_MODEL_STATE);
      throw new CxrError('CXR_ERR_AGENT_MODEL_STATE_INVALID', 'cannot read models/state.json', { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new CxrError('CXR_ERR_AGENT_MODEL_STATE_INVALID', 'models/state.json is not JSON', { cause });
    }
    if (!StateSchema.Check(parsed)) {
      throw new CxrError('CXR_ERR_AGENT_MODEL_STATE_INVALID', 'models/state.json does not match its schema');
    }
    return parsed;
  }

  /** Temp file + fsync + rename + fsync of the folder: after a crash the old or the new state is there. */
  async writeState(state: ModelState): Promise<void> {
    const path = join(this.root, STATE_FILE);
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(this.root, { recursive: true });
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await fsyncDir(this.root);
    } catch (cause) {
      await rm(temp, { force: true });
      throw storeError('write models/state.json', cause);
    }
  }

  /** Moves a verified staging folder to `<root>/<version>/`, replacing a copy from other bytes. */
  async install(stagingDir: string, version: string): Promise<string> {
    const target = this.versionDir(version);
    try {
      await rm(target, { recursive: true, force: true });
      await rename(stagingDir, target);
      await fsyncDir(this.root);
      return target;
    } catch (cause) {
      throw storeError(`move model ${version} into place`, cause);
    }
  }

  async remove(version: string): Promise<void> {
    try {
      await rm(this.versionDir(version), { recursive: true, force: true });
    } catch (cause) {
      throw storeError(`delete model ${version}`, cause);
    }
  }

  async removePath(path: string): Promise<void> {
    try {
      await rm(path, { recursive: true, force: true });
    } catch (cause) {
      throw storeError('delete a temporary model file', cause);
    }
  }
}
