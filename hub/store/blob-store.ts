/**
 * Content-addressed files for previews and heatmaps: `<dir>/<sha[0..2]>/<sha>`. Written to a temp name,
 * fsynced and renamed, so a file that exists is complete; writing the same bytes twice is a no-op.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface BlobStore {
  /** Stores the bytes and returns their sha256 (hex). */
  put(bytes: Buffer): string;
  /** The bytes, or undefined when no such blob exists. */
  get(sha256: string): Buffer | undefined;
}

const SHA = /^[0-9a-f]{64}$/;

export function createBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true });
  const pathOf = (sha: string) => join(dir, sha.slice(0, 2), sha);
  return {
    put(bytes) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      const target = pathOf(sha);
      if (existsSync(target)) return sha;
      mkdirSync(join(dir, sha.slice(0, 2)), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      const fd = openSync(temp, 'w');
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      return sha;
    },
    get(sha) {
      if (!SHA.test(sha)) return undefined;
      const path = pathOf(sha);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
  };
}
