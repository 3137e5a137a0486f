/**
 * Loads and verifies a model package given as a directory or as a single `.tar` file (unpacked into a
 * private temporary directory first). `cleanup()` removes that directory; call it after the session closes.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CxrError } from '../errors.ts';
import { type LoadPackageOptions, loadModelPackage, type ModelPackage } from './load-package.ts';
import { unpackTar } from './tar.ts';

export interface OpenedPackage {
  pkg: ModelPackage;
  cleanup(): Promise<void>;
}

export async function loadPackageFromPath(path: string, options: LoadPackageOptions): Promise<OpenedPackage> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new CxrError('CXR_ERR_PACKAGE_MISSING_FILE', `no model package at ${path}`, { cause });
  });
  if (info.isDirectory()) return { pkg: await loadModelPackage(path, options), cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'cxr-package-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await unpackTar(await readFile(path), dir);
    return { pkg: await loadModelPackage(dir, options), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
