/** Contract of the accounts stores (users and sessions, audit log, agent credentials, hub secrets), on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAgentCredentialsStore } from '../../../hub/accounts/agent-credentials-store.ts';
import { createAuditStore } from '../../../hub/accounts/audit-store.ts';
import { hubSecret } from '../../../hub/accounts/hub-secrets.ts';
import { createUsersStore } from '../../../hub/accounts/users-store.ts';
import { hashPassword } from '../../../hub/auth/password.ts';
import { describeOnEachEngine } from '../db/engines.ts';

const NOW = new Date('2026-02-01T08:00:00Z');
const HASH = hashPassword('correct horse battery');

describeOnEachEngine('users store', (fresh) => {
  it('creates, updates and leaves unchanged an account, and checks passwords', async () => {
    const users = createUsersStore(await fresh());
    assert.equal(await users.upsert('rad', 'radiologist', HASH, NOW), 'created');
    assert.equal(await users.upsert('rad', 'radiologist', HASH, NOW), 'unchanged');
    assert.equal(await users.upsert('rad', 'admin', HASH, NOW), 'updated');
    await users.upsert('Boss', 'admin', HASH, NOW);
    assert.deepEqual(await users.list(), [
      { username: 'Boss', role: 'admin' },
      { username: 'rad', role: 'admin' },
    ]);
    assert.deepEqual(await users.check('rad', 'correct horse battery'), { username: 'rad', role: 'admin' });
    assert.equal(await users.check('rad', 'wrong'), undefined);
    assert.equal(await users.check('nobody', 'correct horse battery'), undefined);
    assert.equal(await users.get('nobody'), undefined);
  });

  it('opens a session found by its token until it expires or is closed; the token itself is not stored', async () => {
    const db = await fresh();
    const users = createUsersStore(db);
    await users.upsert('rad', 'radiologist', HASH, NOW);
    const nowMs = NOW.getTime();
    const session = await users.openSession('rad', 60_000, nowMs);
    assert.deepEqual(await users.session(session.token, nowMs + 59_999), {
      user: { username: 'rad', role: 'radiologist' },
      csrf: session.csrf,
      expiresMs: nowMs + 60_000,
    });
    assert.equal(await users.session(session.token, nowMs + 60_000), undefined, 'expired');
    const stored = await db.kysely.selectFrom('sessions').select('token_sha256').execute();
    assert.ok(stored.every((s) => s.token_sha256 !== session.token && /^[0-9a-f]{64}$/.test(s.token_sha256)));
    const second = await users.openSession('rad', 60_000, nowMs + 70_000);
    assert.equal(
      (await db.kysely.selectFrom('sessions').select('token_sha256').execute()).length,
      1,
      'expired ones go',
    );
    await users.closeSession(second.token);
    assert.equal(await users.session(second.token, nowMs + 70_001), undefined);
  });
});

describeOnEachEngine('audit store', (fresh) => {
  it('appends entries with growing ids and lists them newest first, filtered and paged', async () => {
    const audit = createAuditStore(await fresh());
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await audit.append(
          {
            actor: i % 2 ? 'boss' : 'rad',
            action: 'review.submit',
            target: `study-${i % 2}`,
            ...(i === 4 ? { before: { status: 'unread' }, after: { status: 'reviewed', n: [1, 2] } } : {}),
          },
          NOW,
        ),
      );
    }
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    const all = await audit.list({ limit: 10 });
    assert.deepEqual(
      all.map((e) => e.id),
      [...ids].reverse(),
    );
    const { id, at, actor, action, target, before, after } = all[0]!;
    assert.deepEqual(
      { id, at, actor, action, target, before, after },
      {
        id: ids[4],
        at: NOW.toISOString(),
        actor: 'rad',
        action: 'review.submit',
        target: 'study-0',
        before: { status: 'unread' },
        after: { status: 'reviewed', n: [1, 2] },
      },
    );
    assert.equal(all[1]?.before, null);
    assert.deepEqual(
      (await audit.list({ limit: 10, actor: 'boss' })).map((e) => e.id),
      [ids[3], ids[1]],
    );
    assert.deepEqual(
      (await audit.list({ limit: 2, target: 'study-0', beforeId: ids[4]! })).map((e) => e.id),
      [ids[2], ids[0]],
    );
  });

  it('refuses to change or delete an entry', async () => {
    const db = await fresh();
    await createAuditStore(db).append({ actor: 'rad', action: 'session.login' }, NOW);
    await assert.rejects(db.kysely.updateTable('audit_log').set({ actor: 'x' }).execute(), /append-only/);
    await assert.rejects(db.kysely.deleteFrom('audit_log').execute(), /append-only/);
    assert.equal((await createAuditStore(db).list({ limit: 5 }))[0]?.actor, 'rad');
  });
});

describeOnEachEngine('agent credentials and hub secrets', (fresh) => {
  it('keeps one hash per agent login, the latest', async () => {
    const credentials = createAgentCredentialsStore(await fresh());
    await credentials.upsert('clinic-b/xr-1', 'hash-1', NOW);
    await credentials.upsert('clinic-a/xr-2', 'hash-2', NOW);
    await credentials.upsert('clinic-b/xr-1', 'hash-3', NOW);
    assert.equal(await credentials.hash('clinic-b/xr-1'), 'hash-3');
    assert.equal(await credentials.hash('clinic-c/xr-1'), undefined);
    assert.deepEqual(await credentials.usernames(), ['clinic-a/xr-2', 'clinic-b/xr-1']);
  });

  it('makes a hub secret once and returns the same bytes afterwards', async () => {
    const db = await fresh();
    const [first, again] = [await hubSecret(db, 'capability', NOW), await hubSecret(db, 'capability', NOW)];
    assert.equal(first.length, 32);
    assert.deepEqual(again, first);
  });
});
