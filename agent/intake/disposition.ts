/**
 * What happens to a source file once handled, per folder policy. `leave`: nothing (the SQLite record stops a
 * rescore). `move`: scored and duplicate files go to processedDir, bad ones to quarantineDir with
 * `<name>.error.json` ({code, message, at}, written whole then renamed into place) beside them. Names are kept; a clash gets a numeric suffix.
 * The folder structure under the watch root is kept, so two folders' `a.dcm` do not collide.
 */
import { copyFile, lstat, mkdir, readlink, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';

export interface DispositionTargets {
  processedDir: string;
  quarantineDir: string;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    // a link counts, even a dangling one
    () => true,
    () => false,
  );
}

async function freeName(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 0; ; n++) {
    const candidate = join(dir, n === 0 ? name : `${stem}.${n}${ext}`);
    if (!(await exists(candidate)) && !(await exists(`${candidate}.error.json`))) return candidate;
  }
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to); // a symbolic link moves as the link; its target stays where it is
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Across filesystems (e.g. a network share): copy, but a link as a link, never its target's content.
    if ((await lstat(from)).isSymbolicLink()) await symlink(await readlink(from), to);
    else await copyFile(from, to);
    await unlink(from);
  }
}

/** Moves `path` (under `root`) into `targetDir`, keeping its relative folder; returns the new path. */
export async function moveInto(path: string, root: string, targetDir: string): Promise<string> {
  const rel = relative(root, path);
  const dir = join(targetDir, rel.startsWith('..') ? '' : dirname(rel));
  await mkdir(dir, { recursive: true });
  const target = await freeName(dir, basename(path));
  await moveFile(path, target);
  return target;
}

export async function quarantineFile(
  path: string,
  root: string,
  targets: DispositionTargets,
  reason: { code: string; message: string },
  at: Date,
): Promise<void> {
  const target = await moveInto(path, root, targets.quarantineDir);
  const body = { code: reason.code, message: reason.message, at: at.toISOString() };
  // written whole, then renamed: whoever reads the quarantine (staff, their scripts) never sees half a file
  const written = `${target}.error.json.tmp`;
  await writeFile(written, `${JSON.stringify(body, null, 2)}\n`);
  await rename(written, `${target}.error.json`);
}
