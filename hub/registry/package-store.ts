/**
 * Package `.tar` files of the registry, content-addressed: `<dir>/<sha256>.tar`. An upload is first
 * written (fsynced) to `<dir>/.incoming/`, verified there, then renamed into place, so a stored file is
 * always complete; storing the same bytes twice keeps one file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';

export interface IncomingPackage {
  path: string;
  sha256: string;
  sizeBytes: number;
  /** Moves the file into the store (idempotent). */
  keep(): Promise<void>;
  discard(): Promise<void>;
}

export interface PackageStore {
  /** Writes upload bytes to a temporary file for verification. */
  receive(bytes: Buffer): Promise<IncomingPackage>;
  /** Path and size of a stored package, or undefined. */
  find(sha256: string): { path: string; sizeBytes: number } | undefined;
  /** Deletes a stored package that no registry row refers to. */
  remove(sha256: string): Promise<void>;
}

async function fsync(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function createPackageStore(dir: string): PackageStore {
  const incomingDir = join(dir, '.incoming');
  mkdirSync(incomingDir, { recursive: true });
  const pathOf = (sha256: string) => join(dir, `${sha256}.tar`);
  return {
    async receive(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = join(incomingDir, `${randomBytes(8).toString('hex')}.tar`);
      try {
        const handle = await open(path, 'w', 0o640);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (cause) {
        await rm(path, { force: true });
        throw new CxrError(
          'CXR_ERR_HUB_PACKAGE_STORE',
          `cannot write the uploaded package: ${(cause as Error).message}`,
          {
            kind: 'internal',
            cause,
          },
        );
      }
      return {
        path,
        sha256,
        sizeBytes: bytes.length,
        async keep() {
          const target = pathOf(sha256);
          if (existsSync(target)) return rm(path, { force: true });
          await rename(path, target);
          await fsync(dir);
        },
        discard: () => rm(path, { force: true }),
      };
    },
    find(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
      const path = pathOf(sha256);
      return existsSync(path) ? { path, sizeBytes: statSync(path).size } : undefined;
    },
    remove: (sha256) => rm(pathOf(sha256), { force: true }),
  };
}
