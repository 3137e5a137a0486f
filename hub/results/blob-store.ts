/**
 * Content-addressed files for previews: `<dir>/<sha[0]>/<sha>` (16 folders, so a batch
 * fsyncs at most 16 folder entries). Written to a temp name,
 * fsynced and renamed, so a file that exists is complete; writing the same bytes twice is a no-op.
 * `putMany` writes a whole ingest batch in parallel and then fsyncs the touched folders once each, so a
 * batch costs about one round of concurrent fsyncs instead of one fsync after another.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface BlobStore {
  /** Stores every buffer durably (file and folder entry fsynced); returns their sha256 (hex), in order. */
  putMany(blobs: readonly Buffer[]): Promise<string[]>;
  /** The bytes, or undefined when no such blob exists. */
  get(sha256: string): Buffer | undefined;
}

const SHA = /^[0-9a-f]{64}$/;

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function createBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true });
  const folderOf = (sha: string) => join(dir, sha.slice(0, 1));
  const pathOf = (sha: string) => join(folderOf(sha), sha);
  let counter = 0;

  async function write(sha: string, bytes: Buffer): Promise<string | undefined> {
    const target = pathOf(sha);
    if (existsSync(target)) return undefined;
    const folder = folderOf(sha);
    if (!existsSync(folder)) {
      await mkdir(folder, { recursive: true });
      await fsyncPath(dir);
    }
    const temp = `${target}.${process.pid}.${counter++}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    return folder;
  }

  return {
    async putMany(blobs) {
      const shas = blobs.map((bytes) => createHash('sha256').update(bytes).digest('hex'));
      const unique = new Map(shas.map((sha, i) => [sha, blobs[i]!]));
      const folders = await Promise.all([...unique].map(([sha, bytes]) => write(sha, bytes)));
      // The renames are durable once their folders are fsynced.
      await Promise.all([...new Set(folders.filter((f) => f !== undefined))].map(fsyncPath));
      return shas;
    },
    get(sha) {
      if (!SHA.test(sha)) return undefined;
      const path = pathOf(sha);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
  };
}
