/**
 * Writing a file so that after a crash or power loss either the old or the complete new file is there, never
 * half of one: write a temp file beside it (a dot name ending `.tmp`, which the watcher never picks up), fsync
 * it, rename it into place, fsync the folder. Used for the clinic's report files and the DICOM receiver's spool.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** fsync of a folder, so a rename or a new name inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A temp name in `dir` that no watcher treats as a candidate. */
export function tempNameIn(dir: string): string {
  return join(dir, `.${randomUUID()}.tmp`);
}

export async function writeDurably(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const temp = tempNameIn(dir);
  const target = join(dir, name);
  try {
    const handle = await open(temp, 'w', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
  return target;
}
