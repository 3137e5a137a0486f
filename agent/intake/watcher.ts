/**
 * Watcher stage. In: the configured folders. Out: candidate paths offered to the IntakeQueue, with a first
 * look (size, mtime). chokidar reports adds/changes (inotify, or polling for network shares); a rescan on
 * start and every `rescanIntervalMs` catches anything it missed (ARCHITECTURE.md, chokidar row).
 * Nothing here reads file contents; completeness is judged later by the worker. Symbolic links are offered
 * like files (the worker's admission check decides); chokidar descends into linked folders only when the
 * folder's `symlinks` policy is `follow`.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
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
  readonly #watchers: FSWatcher[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #filters: ((name: string) => boolean)[];
  readonly #excluded: string[];

  constructor(deps: WatcherDeps) {
    this.#deps = deps;
    this.#filters = deps.folders.map((f) => candidateFilter(f.include));
    this.#excluded = deps.excludeDirs.map((d) => resolve(d));
  }

  #isExcluded(path: string): boolean {
    return this.#excluded.some((dir) => path === dir || path.startsWith(dir + sep));
  }

  async #consider(path: string, folder: number): Promise<void> {
    if (this.#isExcluded(path) || !this.#filters[folder]?.(basename(path)) || this.#deps.queue.has(path)) return;
    try {
      const info = await stat(path);
      if (!info.isFile() || this.#deps.alreadyHandled(path, info.size, info.mtimeMs)) return;
      const now = this.#deps.now();
      this.#deps.queue.offer(path, folder, { sizeBytes: info.size, mtimeMs: info.mtimeMs, atMs: now }, now);
    } catch {
      // Gone between the event and the stat (renamed, moved by us): nothing to do.
    }
  }

  /** Walks a folder recursively and offers every candidate. */
  async rescan(folder: number): Promise<void> {
    const root = this.#deps.folders[folder]?.path;
    if (root === undefined) return;
    const walk = async (dir: string): Promise<void> => {
      if (this.#isExcluded(dir)) return;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() || entry.isSymbolicLink()) await this.#consider(path, folder);
      }
    };
    await walk(root);
  }

  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (const [index, folder] of this.#deps.folders.entries()) {
      const exists = await stat(folder.path).then(
        (s) => s.isDirectory(),
        () => false,
      );
      // Not fatal: a share may be mounted later; chokidar and the rescans pick it up then.
      if (!exists) this.#deps.log.warn({ folder: index }, 'watch folder missing or not a directory; waiting for it');
      const watcher = watch(folder.path, {
        ignoreInitial: true, // the rescan below handles files present at start
        usePolling: folder.usePolling,
        followSymlinks: folder.symlinks === 'follow',
        interval: folder.pollIntervalMs,
        binaryInterval: folder.pollIntervalMs,
        ignored: (path: string) => this.#isExcluded(resolve(path)),
      });
      const onFile = (path: string) => void this.#consider(resolve(path), index);
      watcher.on('add', onFile).on('change', onFile);
      watcher.on('error', (error) =>
        this.#deps.log.warn({ err: error, folder: index }, 'watcher error; rescan will catch up'),
      );
      ready.push(new Promise((resolve) => watcher.once('ready', () => resolve())));
      this.#watchers.push(watcher);
      const timer = setInterval(() => void this.rescan(index), folder.rescanIntervalMs);
      timer.unref();
      this.#timers.push(timer);
    }
    // chokidar drops files that appear during its initial scan (ignoreInitial): rescan only once it is ready.
    await Promise.all(ready);
    await Promise.all(this.#deps.folders.map((_, index) => this.rescan(index)));
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all(this.#watchers.map((w) => w.close()));
  }
}
