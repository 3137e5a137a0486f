/**
 * Contract of the failed sign-in counters (hub/accounts/login-failures-store.ts) on SQLite and PostgreSQL: what
 * one hub replica writes another reads (two handles on one database), so every replica throttles alike.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLoginFailuresStore } from '../../../hub/accounts/login-failures-store.ts';
import { NO_FAILURES } from '../../../hub/accounts/login-throttle.ts';
import { openHubDatabase } from '../../../hub/db/database.ts';
import { describeOnEachEngine, freshDatabaseUrl } from '../db/engines.ts';

describeOnEachEngine('login failures store', (fresh, engine) => {
  it('reads no failures for an unknown key, then what was put, replaced whole on the next put', async () => {
    const store = createLoginFailuresStore(await fresh());
    assert.deepEqual(await store.get('user:rad'), NO_FAILURES);
    await store.put('user:rad', { failures: 1, lastFailureMs: 1_000, lockedUntilMs: 0 });
    await store.put('user:rad', { failures: 3, lastFailureMs: 2_000, lockedUntilMs: 62_000 });
    assert.deepEqual(await store.get('user:rad'), { failures: 3, lastFailureMs: 2_000, lockedUntilMs: 62_000 });
    assert.deepEqual(await store.get('addr:10.0.0.5'), NO_FAILURES);
  });

  it('clears only the keys given, and an empty list clears nothing', async () => {
    const store = createLoginFailuresStore(await fresh());
    const counter = { failures: 2, lastFailureMs: 5_000, lockedUntilMs: 0 };
    await store.put('user:rad', counter);
    await store.put('addr:10.0.0.5', counter);
    await store.clear([]);
    await store.clear(['user:rad', 'user:nobody']);
    assert.deepEqual(await store.get('user:rad'), NO_FAILURES);
    assert.deepEqual(await store.get('addr:10.0.0.5'), counter);
  });

  it('shows one process the failures another recorded (two hub replicas on one database)', async () => {
    const url = await freshDatabaseUrl(engine);
    const [a, b] = [await openHubDatabase(url), await openHubDatabase(url)];
    try {
      await createLoginFailuresStore(a).put('user:rad', { failures: 5, lastFailureMs: 9_000, lockedUntilMs: 69_000 });
      assert.deepEqual(await createLoginFailuresStore(b).get('user:rad'), {
        failures: 5,
        lastFailureMs: 9_000,
        lockedUntilMs: 69_000,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
