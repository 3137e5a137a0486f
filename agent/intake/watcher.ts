/**
 * Watcher stage. In: the configured folders. Out: candidate paths offered to the IntakeQueue, with a first
 * look (size, mtime). Each directory under a watch folder has one `fs.watch` (inotify), whose events name the
 * file that changed: one `stat` of that file, nothing else. A full walk on start and every `rescanIntervalMs`
 * (every `pollIntervalMs` for `usePolling` folders — network shares, where inotify sees nothing) catches anything
 * missed, picks up sub-folders and folders mounted or created later, and drops watches of folders gone.
 * Why not chokidar (used before): on every change in a directory it re-read the whole directory and lstat()ed
 * each entry, so a folder of N files cost N syscalls per arrival — 1.3 s of the main thread's CPU in a burst of
 * 300 films, and without end in a `leave` folder that keeps every film (docs/agent.md "Measured").
 * Nothing here reads file contents; completeness is judged later by the worker. Symbolic links to files are
 * offered like files (the worker's admission check decides); linked folders are descended into only when the
 * folder's `symlinks` policy is `follow` (each real folder once, so a link loop ends).
 */
import { type FSWatcher, type Stats, watch } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { WatchFolderConfig } from '../config.ts';
import { candidateFilter } from './completeness.ts';
import type { IntakeQueue } from './intake-queue.ts';

export interface WatcherDeps {
  folders: readonly WatchFolderConfig[];
  /** Folders never to descend into (processed/, quarantine/ when they sit inside a watch folder). */
  excludeDirs: readonly string[];
  queue: IntakeQueue;
  /** True when the path was already handled (leave policy) and unchanged. */
  alreadyHandled(path: string, sizeBytes: number, mtimeMs: number): boolean;
  now(): number;
  log: Logger;
}

export class FolderWatcher {
  readonly #deps: WatcherDeps;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #filters: ((name: string) => boolean)[];
  readonly #excluded: string[];
  /** One inotify watch per directory, with the folder (index) it belongs to. */
  readonly #watches = new Map<string, FSWatcher>();
  #closed = false;
  #warnedLimit = false;
  /** Watch folders not there yet, looked for often (folder index → its timer). */
  readonly #rootWaiters = new Map<number, NodeJS.Timeout>();

  constructor(deps: WatcherDeps) {
    this.#deps = deps;
    this.#filters = deps.folders.map((f) => candidateFilter(f.include));
    this.#excluded = deps.excludeDirs.map((d) => resolve(d));
  }

  #isExcluded(path: string): boolean {
    return this.#excluded.some((dir) => path === dir || path.startsWith(dir + sep));
  }

  #isCandidate(path: string, folder: number): boolean {
    return !this.#isExcluded(path) && (this.#filters[folder]?.(basename(path)) ?? false) && !this.#deps.queue.has(path);
  }

  /** Offers a file seen by `info` (a stat, so a link's target) unless it was handled already. */
  #offer(path: string, folder: number, info: Stats): void {
    if (!info.isFile() || this.#deps.alreadyHandled(path, info.size, info.mtimeMs)) return;
    const now = this.#deps.now();
    this.#deps.queue.offer(path, folder, { sizeBytes: info.size, mtimeMs: info.mtimeMs, atMs: now }, now);
  }

  /** An inotify event for `path`: a new sub-folder is watched and walked, a candidate file offered. */
  async #changed(path: string, folder: number): Promise<void> {
    if (this.#closed || this.#isExcluded(path) || this.#deps.queue.has(path)) return;
    try {
      const link = await lstat(path);
      const info = link.isSymbolicLink() ? await stat(path) : link;
      if (info.isDirectory()) {
        if (!link.isSymbolicLink() || this.#deps.folders[folder]?.symlinks === 'follow') {
          await this.#walk(path, folder, new Set(), new Set());
        }
      } else if (this.#isCandidate(path, folder)) {
        this.#offer(path, folder, info);
      }
    } catch {
      // Gone between the event and the look (renamed, moved by us): nothing to do.
    }
  }

  #watchDir(dir: string, folder: number): void {
    if (this.#closed || this.#watches.has(dir) || this.#deps.folders[folder]?.usePolling) return;
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name) void this.#changed(join(dir, name.toString()), folder);
      });
      watcher.on('error', () => this.#unwatch(dir)); // the folder went away: a rescan watches it again if it returns
      this.#watches.set(dir, watcher);
    } catch (error) {
      // Missing or unreadable: the next rescan tries again. Out of inotify watches: rescans only (said once).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' && !this.#warnedLimit) {
        this.#warnedLimit = true;
        this.#deps.log.warn({ code }, 'inotify watch limit reached: folders beyond it are found by rescans only');
      }
    }
  }

  #unwatch(dir: string): void {
    this.#watches.get(dir)?.close();
    this.#watches.delete(dir);
  }

  /**
   * Watches `dir`, then lists it (so a file written between the two is seen by one of them), offers its
   * candidates and descends. `seen` collects the directories walked; `real` stops a link loop.
   */
  async #walk(dir: string, folder: number, seen: Set<string>, real: Set<string>): Promise<void> {
    if (this.#closed || this.#isExcluded(dir)) return;
    const follow = this.#deps.folders[folder]?.symlinks === 'follow';
    if (follow) {
      const target = await realpath(dir).catch(() => dir);
      if (real.has(target)) return;
      real.add(target);
    }
    seen.add(dir);
    this.#watchDir(dir, folder);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await this.#walk(path, folder, seen, real);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (!this.#isCandidate(path, folder) && !(entry.isSymbolicLink() && follow)) continue;
        const info = await stat(path).catch(() => undefined);
        if (info?.isDirectory() && follow) await this.#walk(path, folder, seen, real);
        else if (info && this.#isCandidate(path, folder)) this.#offer(path, folder, info);
      }
    }
  }

  /** Walks a folder recursively: offers every candidate, watches every directory, drops watches of those gone. */
  async rescan(folder: number): Promise<void> {
    const root = this.#deps.folders[folder]?.path;
    if (root === undefined) return;
    const seen = new Set<string>();
    await this.#walk(resolve(root), folder, seen, new Set());
    for (const dir of [...this.#watches.keys()]) {
      if (this.#folderOf(dir) === folder && !seen.has(dir)) this.#unwatch(dir);
    }
    if (!(await isDirectory(resolve(root)))) this.#waitForRoot(folder, resolve(root));
  }

  /**
   * A watch folder that is not there (not created yet — the DICOM receiver makes its folder on the first study —
   * or a share not mounted): looked for every `pollIntervalMs`, and walked as soon as it appears, rather than at
   * the next full rescan.
   */
  #waitForRoot(folder: number, root: string): void {
    if (this.#closed || this.#rootWaiters.has(folder)) return;
    const every = this.#deps.folders[folder]?.pollIntervalMs ?? 1000;
    const timer = setInterval(async () => {
      if (!(await isDirectory(root)) || this.#closed) return;
      clearInterval(timer);
      this.#rootWaiters.delete(folder);
      await this.rescan(folder);
    }, every);
    timer.unref();
    this.#rootWaiters.set(folder, timer);
  }

  /** The watch folder a watched directory belongs to (the longest root it lies under). */
  #folderOf(dir: string): number {
    let best = -1;
    let length = -1;
    this.#deps.folders.forEach((f, index) => {
      const root = resolve(f.path);
      if ((dir === root || dir.startsWith(root + sep)) && root.length > length) [best, length] = [index, root.length];
    });
    return best;
  }

  async start(): Promise<void> {
    for (const [index, folder] of this.#deps.folders.entries()) {
      const exists = await isDirectory(folder.path);
      // Not fatal: a share may be mounted later, the DICOM receiver's folder made on its first study: looked for.
      if (!exists) this.#deps.log.warn({ folder: index }, 'watch folder missing or not a directory; waiting for it');
      const every = folder.usePolling ? folder.pollIntervalMs : folder.rescanIntervalMs;
      const timer = setInterval(() => void this.rescan(index), every);
      timer.unref();
      this.#timers.push(timer);
    }
    await Promise.all(this.#deps.folders.map((_, index) => this.rescan(index)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of [...this.#timers, ...this.#rootWaiters.values()]) clearInterval(timer);
    for (const dir of [...this.#watches.keys()]) this.#unwatch(dir);
  }
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
