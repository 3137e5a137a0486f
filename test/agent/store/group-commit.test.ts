import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../../agent/store/group-commit.ts';

function database(): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  return db;
}

describe('grouped commits', () => {
  it('commits the writes of one turn of the event loop in one transaction', async () => {
    const db = database();
    const commits = new GroupCommit(db, undefined);
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    const results = await Promise.all(['a', 'b', 'c'].map((k) => commits.run(() => insert.run(k).changes)));
    assert.deepEqual(results, [1, 1, 1]);
    assert.deepEqual(commits.stats, { groups: 1, writes: 3 });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 3);
  });

  it('rolls back only the write that throws; its caller gets the error, the others commit', async () => {
    const db = database();
    const commits = new GroupCommit(db, undefined);
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    const outcomes = await Promise.allSettled([
      commits.run(() => insert.run('x')),
      commits.run(() => {
        insert.run('y');
        throw new Error('this write fails after a statement');
      }),
      commits.run(() => insert.run('x')), // a constraint violation
      commits.run(() => insert.run('z')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    const keys = (db.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);
    assert.deepEqual(keys, ['x', 'z'], 'the failed write left nothing behind');
  });

  it('resolves nobody when the transaction itself cannot commit', async () => {
    const db = database();
    const commits = new GroupCommit(db, undefined);
    db.close();
    await assert.rejects(commits.run(() => 1));
  });

  it('tells no caller of a commit before the log is flushed, and fails them all when the flush fails', async () => {
    const db = database();
    let flushed: (() => void) | undefined;
    let flushes = 0;
    const commits = new GroupCommit(db, undefined, () => {
      flushes += 1;
      return new Promise<void>((resolve) => {
        flushed = resolve;
      });
    });
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    let told = false;
    const write = commits
      .run(() => insert.run('a'))
      .then(() => {
        told = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(flushes, 1, 'the group was written and its flush started');
    assert.equal(told, false, 'the caller waits for the flush');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'other writers keep synchronous=FULL meanwhile');
    flushed?.();
    await write;
    assert.equal(told, true);

    const failing = new GroupCommit(db, undefined, () => Promise.reject(new Error('EIO')));
    await assert.rejects(
      failing.run(() => insert.run('b')),
      /EIO/,
    );
  });

  it('flushes a real write-ahead log on the thread pool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-group-commit-'));
    const path = join(dir, 'agent.db');
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
      const commits = new GroupCommit(db, `${path}-wal`);
      const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
      assert.deepEqual(await Promise.all(['a', 'b'].map((k) => commits.run(() => insert.run(k).changes))), [1, 1]);
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      commits.close();
      const missing = new GroupCommit(db, join(dir, 'no-such-wal'));
      await assert.rejects(
        missing.run(() => insert.run('c')),
        { code: 'ENOENT' },
      );
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
