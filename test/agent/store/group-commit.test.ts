import assert from 'node:assert/strict';
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
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    const results = await Promise.all(['a', 'b', 'c'].map((k) => commits.run(() => insert.run(k).changes)));
    assert.deepEqual(results, [1, 1, 1]);
    assert.deepEqual(commits.stats, { groups: 1, writes: 3 });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 3);
  });

  it('rolls back only the write that throws; its caller gets the error, the others commit', async () => {
    const db = database();
    const commits = new GroupCommit(db);
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
    const commits = new GroupCommit(db);
    db.close();
    await assert.rejects(commits.run(() => 1));
  });
});
