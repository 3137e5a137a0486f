import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AgentStore } from '../../../agent/store/agent-store.ts';
import { openAgentDatabase } from '../../../agent/store/database.ts';

function fresh() {
  const path = join(mkdtempSync(join(tmpdir(), 'cxr-store-')), 'agent.db');
  return { path, store: new AgentStore(openAgentDatabase(path)) };
}
const facts = (sha: string, rememberPath = false) => ({
  sha256: sha,
  path: `/in/${sha}`,
  sizeBytes: 10,
  mtimeMs: 5.7,
  rememberPath,
});

describe('agent store (real SQLite file)', () => {
  it('uses WAL and synchronous=FULL', () => {
    const { path, store } = fresh();
    store.close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const again = openAgentDatabase(path);
    assert.equal(again.pragma('synchronous', { simple: true }), 2);
    again.close();
  });

  it('commits the file record and its outbox row together, and both survive a reopen', () => {
    const { path, store } = fresh();
    store.commitScored(facts('a'), 'r1', '{"x":1}', 100);
    store.close();
    const reopened = new AgentStore(openAgentDatabase(path));
    assert.equal(reopened.knownFile('a')?.status, 'scored');
    assert.deepEqual(
      reopened.dueOutbox(100, 10).map((r) => [r.resultId, r.payload, r.attempts]),
      [['r1', '{"x":1}', 0]],
    );
    reopened.close();
  });

  it('commits identical content only once when two copies race', () => {
    const { store } = fresh();
    assert.equal(store.commitScored(facts('a'), 'r1', '{}', 100), true);
    assert.equal(store.commitScored(facts('a'), 'r1', '{}', 101), false);
    assert.equal(store.outboxSize(), 1);
  });

  it('rolls back the file record when the outbox insert fails', () => {
    const { path, store } = fresh();
    store.close();
    const db = openAgentDatabase(path);
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const broken = new AgentStore(db);
    assert.throws(() => broken.commitScored(facts('b'), 'r2', '{}', 1), /disk full/);
    assert.equal(broken.knownFile('b'), undefined, 'no file record without its outbox row');
    broken.close();
  });

  it('deletes a row only on ack, and re-offers unacked rows after their backoff', () => {
    const { store } = fresh();
    store.commitScored(facts('a'), 'r1', '{}', 100);
    store.commitScored(facts('b'), 'r2', '{}', 100);
    const [first] = store.dueOutbox(100, 1);
    store.markSent(first?.id as number, 5000);
    assert.deepEqual(
      store.dueOutbox(200, 10).map((r) => r.resultId),
      ['r2'],
      'r1 waits for its backoff',
    );
    assert.deepEqual(
      store.dueOutbox(5000, 10).map((r) => [r.resultId, r.attempts]),
      [
        ['r2', 0],
        ['r1', 1],
      ],
    );
    assert.equal(store.ack('r1'), 100, 'returns when the row was created');
    assert.equal(store.ack('r1'), undefined, 'a second ack is harmless');
    assert.equal(store.outboxSize(), 1);
  });

  it('makes everything due at once when the link returns', () => {
    const { store } = fresh();
    store.commitScored(facts('a'), 'r1', '{}', 100);
    store.markSent(store.dueOutbox(100, 1)[0]?.id as number, 1_000_000);
    store.resetBackoff(200);
    assert.equal(store.dueOutbox(200, 10).length, 1);
  });

  it('sets a rejected result aside instead of re-sending it', () => {
    const { store } = fresh();
    store.commitScored(facts('a'), 'r1', '{}', 100);
    assert.equal(store.reject('r1', 'schema', 200), true);
    assert.equal(store.outboxSize(), 0);
    assert.equal(store.reject('r1', 'schema', 200), false);
  });

  it('remembers quarantined content and leave-policy paths', () => {
    const { store } = fresh();
    store.commitQuarantined(facts('q', true), 'CXR_ERR_DICOM_TRUNCATED', 'cut short', 1);
    assert.deepEqual(store.knownFile('q'), {
      status: 'quarantined',
      errorCode: 'CXR_ERR_DICOM_TRUNCATED',
      errorMessage: 'cut short',
    });
    assert.deepEqual(store.seenPath('/in/q'), { size: 10, mtimeMs: 5, sha256: 'q' });
    assert.equal(store.seenPath('/in/a'), undefined);
    assert.deepEqual(store.fileCounts(), { scored: 0, quarantined: 1 });
  });
});
