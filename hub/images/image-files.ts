/**
 * Diagnostic image files on the hub's disk, content-addressed: `<dir>/<sha[0..2]>/<sha256>.png`, and uploads in
 * progress as `<dir>/partial/<sha256>.part`, whose size is the offset an agent resumes from. A chunk is
 * appended only at the current end and fsynced before the new offset is reported; a finished upload is
 * hashed, and only bytes whose sha256 is the name they were announced under are renamed into place (folder
 * fsynced), so a stored file is always complete and correct. Writing the same image twice changes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ImageFiles {
  pathOf(sha256: string): string;
  /** Bytes of the stored file, or undefined when it is not stored. */
  storedSize(sha256: string): number | undefined;
  /** Bytes received so far of an upload in progress (0 when none). */
  partialSize(sha256: string): number;
  /** Appends at `offset`, which must be the partial's size; resolves with the new size, durable. */
  append(sha256: string, offset: number, bytes: Uint8Array): Promise<number>;
  /** Hashes the finished partial: moves it into place and resolves true when its sha256 is right, else deletes it. */
  finish(sha256: string): Promise<boolean>;
  remove(sha256: string): Promise<void>;
  removePartial(sha256: string): Promise<void>;
  /** Uploads in progress with the time they last changed. */
  partials(): Promise<{ sha256: string; sizeBytes: number; mtimeMs: number }[]>;
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

export function createImageFiles(dir: string): ImageFiles {
  const partialDir = join(dir, 'partial');
  mkdirSync(partialDir, { recursive: true });
  const folderOf = (sha: string) => join(dir, sha.slice(0, 2));
  const pathOf = (sha: string) => {
    if (!SHA.test(sha)) throw new Error('not a sha256');
    return join(folderOf(sha), `${sha}.png`);
  };
  const partialOf = (sha: string) => {
    if (!SHA.test(sha)) throw new Error('not a sha256');
    return join(partialDir, `${sha}.part`);
  };
  const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size;

  return {
    pathOf,
    storedSize: (sha) => sizeOf(pathOf(sha)),
    partialSize: (sha) => sizeOf(partialOf(sha)) ?? 0,
    async append(sha, offset, bytes) {
      const path = partialOf(sha);
      const handle = await open(path, 'a+');
      try {
        const { size } = await handle.stat();
        if (size !== offset) return size;
        await handle.write(bytes, 0, bytes.byteLength, offset);
        await handle.sync();
        return offset + bytes.byteLength;
      } finally {
        await handle.close();
      }
    },
    async finish(sha) {
      const partial = partialOf(sha);
      const hash = createHash('sha256');
      for await (const part of createReadStream(partial)) hash.update(part as Buffer);
      if (hash.digest('hex') !== sha) {
        await rm(partial, { force: true });
        return false;
      }
      const folder = folderOf(sha);
      if (!existsSync(folder)) {
        mkdirSync(folder, { recursive: true });
        await fsyncPath(dir);
      }
      await rename(partial, pathOf(sha));
      await fsyncPath(folder);
      return true;
    },
    async remove(sha) {
      await rm(pathOf(sha), { force: true });
    },
    async removePartial(sha) {
      await rm(partialOf(sha), { force: true });
    },
    async partials() {
      const out: { sha256: string; sizeBytes: number; mtimeMs: number }[] = [];
      for (const name of await readdir(partialDir)) {
        const sha = name.replace(/\.part$/, '');
        if (!SHA.test(sha)) continue;
        const info = await stat(join(partialDir, name)).catch(() => undefined);
        if (info) out.push({ sha256: sha, sizeBytes: info.size, mtimeMs: info.mtimeMs });
      }
      return out;
    },
  };
}
