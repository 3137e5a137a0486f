/**
 * Admission: may the agent read this file at all? Decided from metadata only (lstat, stat, realpath), before
 * a single byte of content is read. In: a path and its folder's rules. Out: nothing (read it), or a refusal
 * with a code, which the worker quarantines without reading the file:
 * - CXR_ERR_AGENT_SYMLINK_REFUSED: a symbolic link, when the folder refuses links, or (default `inside-roots`)
 *   when the link leads outside every watched folder. The target is never opened.
 * - CXR_ERR_EMPTY_FILE: 0 bytes (after the incomplete-file grace, as a writer may still be at work).
 * - CXR_ERR_AGENT_FILE_TOO_LARGE: more than the folder's `maxFileBytes`; the agent reads whole files into
 *   memory, so it never starts on one above the limit.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

export type SymlinkPolicy = 'inside-roots' | 'refuse' | 'follow';

export interface AdmissionRules {
  maxFileBytes: number;
  symlinks: SymlinkPolicy;
}

/** What lstat/stat/realpath tell about a path (the target's size and mtime when it is a link). */
export interface PathFacts {
  info: Stats;
  isLink: boolean;
  /** The fully resolved path of a link's target; undefined for a plain file. */
  target?: string;
}

export type RefusalCode = 'CXR_ERR_AGENT_SYMLINK_REFUSED' | 'CXR_ERR_EMPTY_FILE' | 'CXR_ERR_AGENT_FILE_TOO_LARGE';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

/** The facts, or undefined when the path is gone or is a dangling link (nothing to read). */
export async function inspectPath(path: string): Promise<PathFacts | undefined> {
  try {
    const link = await lstat(path);
    const info = link.isSymbolicLink() ? await stat(path) : link;
    if (!link.isSymbolicLink()) return { info, isLink: false };
    return { info, isLink: true, target: await realpath(path) };
  } catch {
    return undefined;
  }
}

/** The watched folders as the kernel resolves them (a root may itself be a link); unresolvable ones as given. */
export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  return Promise.all(roots.map((root) => realpath(root).catch(() => resolve(root))));
}

function inside(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}

/** Pure: the refusal for these facts, or undefined when the file may be read. */
export function admissionRefusal(
  facts: { sizeBytes: number; isLink: boolean; target?: string },
  rules: AdmissionRules,
  realRoots: readonly string[],
): Refusal | undefined {
  if (facts.isLink && rules.symlinks === 'refuse') {
    return { code: 'CXR_ERR_AGENT_SYMLINK_REFUSED', message: 'symbolic links are refused in this watch folder' };
  }
  if (facts.isLink && rules.symlinks === 'inside-roots' && !inside(facts.target ?? '', realRoots)) {
    return {
      code: 'CXR_ERR_AGENT_SYMLINK_REFUSED',
      message: 'a symbolic link to a file outside the watched folders (not followed)',
    };
  }
  if (facts.sizeBytes === 0) return { code: 'CXR_ERR_EMPTY_FILE', message: 'the file is empty (0 bytes)' };
  if (facts.sizeBytes > rules.maxFileBytes) {
    return {
      code: 'CXR_ERR_AGENT_FILE_TOO_LARGE',
      message: `the file has ${facts.sizeBytes} bytes, more than maxFileBytes (${rules.maxFileBytes}); not read`,
    };
  }
  return undefined;
}

/**
 * The key a refused file is recorded under in place of its content hash (its content is never read): the
 * sha256 of the empty content for an empty file, else a hash of where and what it was, so the same file is
 * not refused twice and a copy elsewhere gets its own record.
 */
export function unreadKey(refusal: Refusal, path: string, sizeBytes: number, mtimeMs: number): string {
  const hash = createHash('sha256');
  if (refusal.code !== 'CXR_ERR_EMPTY_FILE') hash.update(`unread\0${refusal.code}\0${path}\0${sizeBytes}\0${mtimeMs}`);
  return hash.digest('hex');
}
