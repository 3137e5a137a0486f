/**
 * Contract of the database lease (single-active background jobs), on SQLite and PostgreSQL, with the
 * clock passed in: one holder at a time, renewal, takeover after expiry with a higher fencing token,
 * release; and the keeper's gained/lost reports.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { createLeaseKeeper, createLeaseStore } from '../../../hub/db/lease.ts';
import { describeOnEachEngine } from './engines.ts';

const TTL = 10_000;

describeOnEachEngine('lease', (fresh) => {
  it('has one holder at a time, renews for the holder, and passes on after expiry with a new token', async () => {
    const leases = createLeaseStore(await fresh());
    assert.equal(await leases.acquire('rollouts', 'hub-a', TTL, 1_000), 1);
    assert.equal(await leases.acquire('rollouts', 'hub-b', TTL, 2_000), undefined, 'held by hub-a');
    assert.equal(await leases.acquire('rollouts', 'hub-a', TTL, 9_000), 1, 'renewed, same term');
    assert.equal(await leases.acquire('rollouts', 'hub-b', TTL, 18_999), undefined, 'renewal moved the expiry');
    assert.equal(await leases.acquire('rollouts', 'hub-b', TTL, 19_000), 2, 'expired: hub-b takes it');
    assert.equal(await leases.acquire('rollouts', 'hub-a', TTL, 19_500), undefined, 'hub-a lost it');
    assert.deepEqual(await leases.get('rollouts'), { name: 'rollouts', holder: 'hub-b', token: 2, expiresMs: 29_000 });
    assert.equal(await leases.acquire('other-job', 'hub-a', TTL, 19_500), 1, 'leases are per name');
  });

  it('a released lease is free at once and keeps counting terms', async () => {
    const leases = createLeaseStore(await fresh());
    assert.equal(await leases.acquire('rollouts', 'hub-a', TTL, 0), 1);
    await leases.release('rollouts', 'hub-b');
    assert.equal(await leases.acquire('rollouts', 'hub-b', TTL, 1), undefined, 'only the holder releases');
    await leases.release('rollouts', 'hub-a');
    assert.equal(await leases.acquire('rollouts', 'hub-b', TTL, 2), 2);
    await leases.release('rollouts', 'hub-b');
    assert.equal(await leases.acquire('rollouts', 'hub-a', TTL, 3), 3, 'a returning holder gets a new term');
  });

  it('the keeper reports the lease gained, kept, lost to another holder, and released on close', async () => {
    const db = await fresh();
    let nowMs = 0;
    const changes: (string | number | undefined)[] = [];
    const keeper = (holder: string) =>
      createLeaseKeeper({
        leases: createLeaseStore(db),
        name: 'rollouts',
        holder,
        ttlMs: TTL,
        nowMs: () => nowMs,
        onChange: (token) => changes.push(`${holder}:${token}`),
        log: pino({ level: 'silent' }),
      });
    const a = keeper('hub-a');
    const b = keeper('hub-b');
    assert.equal(await a.check(), true);
    assert.equal(await b.check(), false);
    nowMs = 5_000;
    assert.equal(await a.check(), true, 'renewed');
    nowMs = 30_000; // hub-a stalled past its lease
    assert.equal(await b.check(), true);
    assert.equal(await a.check(), false);
    await b.close();
    assert.equal(await a.check(), true, 'free again after hub-b closed');
    assert.deepEqual(changes, ['hub-a:1', 'hub-b:2', 'hub-a:undefined', 'hub-b:undefined', 'hub-a:3']);
    await a.close();
  });
});
