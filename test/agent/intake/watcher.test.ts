/** The folder watcher on real directories (inotify through fs.watch, and the polling rescans). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { type WatchFolderConfig, WatchFolderSchema } from '../../../agent/config-schema.ts';
import { IntakeQueue } from '../../../agent/intake/intake-queue.ts';
import { FolderWatcher } from '../../../agent/intake/watcher.ts';

const root = mkdtempSync(join(tmpdir(), 'cxr-watcher-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(path: string, extra: Partial<WatchFolderConfig> = {}): WatchFolderConfig {
  // An hour between rescans: anything seen sooner came from an inotify event.
  const defaults = Value.Default(WatchFolderSchema, { path }) as WatchFolderConfig;
  return { ...defaults, rescanIntervalMs: 3_600_000, ...extra };
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function watching(folders: WatchFolderConfig[], excludeDirs: string[] = []) {
  const queue = new IntakeQueue();
  const watcher = new FolderWatcher({
    folders,
    excludeDirs,
    queue,
    alreadyHandled: () => false,
    now: Date.now,
    log: pino({ level: 'silent' }),
  });
  await watcher.start();
  return { queue, watcher };
}

describe('folder watcher', () => {
  it('offers files present at start, new files and files in a sub-folder made later, not excluded ones', async () => {
    const dir = join(root, 'a');
    const done = join(dir, 'processed');
    mkdirSync(done, { recursive: true });
    writeFileSync(join(dir, 'before.dcm'), 'x');
    const { queue, watcher } = await watching([folder(dir)], [done]);
    try {
      assert.ok(queue.has(join(dir, 'before.dcm')), 'found by the start walk');
      writeFileSync(join(dir, 'new.dcm'), 'x');
      await until('the new file', () => queue.has(join(dir, 'new.dcm')));
      mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'sub', 'deeper', 'nested.dcm'), 'x');
      await until('the nested file', () => queue.has(join(dir, 'sub', 'deeper', 'nested.dcm')));
      writeFileSync(join(dir, 'sub', 'deeper', 'later.dcm'), 'x');
      await until('a file in the new sub-folder, by its own watch', () =>
        queue.has(join(dir, 'sub', 'deeper', 'later.dcm')),
      );
      writeFileSync(join(done, 'moved-here.dcm'), 'x');
      writeFileSync(join(dir, '.hidden.dcm'), 'x');
      writeFileSync(join(dir, 'copying.dcm.part'), 'x');
      writeFileSync(join(dir, 'marker.dcm'), 'x');
      await until('the marker file', () => queue.has(join(dir, 'marker.dcm')));
      assert.equal(queue.has(join(done, 'moved-here.dcm')), false, 'excluded folder');
      assert.equal(queue.has(join(dir, '.hidden.dcm')), false, 'dotfile');
      assert.equal(queue.has(join(dir, 'copying.dcm.part')), false, 'in-progress name');
      assert.equal(queue.size, 5);
    } finally {
      await watcher.close();
    }
  });

  it('finds files in a polled folder (no inotify), and in a watch folder created after start at once', async () => {
    const polled = join(root, 'share');
    const late = join(root, 'late');
    mkdirSync(polled);
    const { queue, watcher } = await watching([
      folder(polled, { usePolling: true, pollIntervalMs: 50 }),
      folder(late, { pollIntervalMs: 50 }), // full rescans an hour apart: the missing folder is looked for
    ]);
    try {
      writeFileSync(join(polled, 'on-share.dcm'), 'x');
      await until('the file on the polled share', () => queue.has(join(polled, 'on-share.dcm')));
      mkdirSync(late);
      writeFileSync(join(late, 'first.dcm'), 'x');
      await until('the file in the folder made later', () => queue.has(join(late, 'first.dcm')));
      writeFileSync(join(late, 'second.dcm'), 'x');
      await until('a file in the late folder', () => queue.has(join(late, 'second.dcm')));
    } finally {
      await watcher.close();
    }
  });

  it('descends into a linked folder only with the `follow` policy, and a link loop ends', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'linked.dcm'), 'x');
    const strict = join(root, 'strict');
    const follow = join(root, 'follow');
    mkdirSync(strict);
    mkdirSync(follow);
    symlinkSync(outside, join(strict, 'to-outside'));
    symlinkSync(outside, join(follow, 'to-outside'));
    symlinkSync(follow, join(follow, 'loop'));
    const { queue, watcher } = await watching([folder(strict), folder(follow, { symlinks: 'follow' })]);
    try {
      assert.ok(queue.has(join(follow, 'to-outside', 'linked.dcm')), 'followed');
      assert.equal(queue.has(join(strict, 'to-outside', 'linked.dcm')), false, 'not followed');
      writeFileSync(join(outside, 'new-behind-link.dcm'), 'x');
      await until('a new file behind the followed link', () =>
        queue.has(join(follow, 'to-outside', 'new-behind-link.dcm')),
      );
    } finally {
      await watcher.close();
    }
  });
});
