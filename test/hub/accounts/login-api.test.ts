/** Login protection through the API (app.inject, a clock the test moves): throttling, lockout, audit with source. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { hubConfig, PASSWORDS } from '../fixtures.ts';

describe('login protection (API)', () => {
  let hub: BuiltHub;
  let nowMs = Date.UTC(2026, 5, 1, 8);
  const attempt = (username: string, password: string) =>
    hub.app.inject({ method: 'POST', url: '/api/session', payload: { username, password }, remoteAddress: '10.9.8.7' });

  before(async () => {
    hub = await buildHub({ config: hubConfig(), now: () => new Date(nowMs) });
  });
  after(() => hub.close());

  it('checks few of 40 rapid wrong passwords, then locks the account even against the right one', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push((await attempt('rad', `guess-${i}`)).statusCode);
      nowMs += 60; // 40 attempts in 2.4 s
    }
    const checked = codes.filter((c) => c === 401).length;
    assert.ok(checked <= 5, `${checked} passwords were checked`);
    const throttled = await attempt('rad', PASSWORDS.radiologist);
    assert.equal(throttled.statusCode, 429);
    assert.equal((throttled.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_LOGIN_THROTTLED');
    assert.ok(Number(throttled.headers['retry-after']) >= 1);

    // Waiting out each delay only leads to the lock.
    for (let i = 0; i < 20; i++) {
      nowMs += 61_000;
      const r = await attempt('rad', `patient-guess-${i}`);
      if (r.statusCode === 429) break;
    }
    nowMs += 61_000;
    const locked = await attempt('rad', PASSWORDS.radiologist);
    assert.equal(locked.statusCode, 429);
    assert.equal((locked.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_ACCOUNT_LOCKED');

    const audit = await hub.audit.list({ limit: 100, actor: 'rad' });
    const failures = audit.filter((e) => e.action === 'login.failure');
    assert.ok(failures.length >= 5);
    assert.ok(failures.every((e) => e.source === '10.9.8.7'));
    assert.equal(audit.filter((e) => e.action === 'login.locked').length, 1);
    assert.ok(!JSON.stringify(audit).includes('guess'), 'no password in the audit log');
  });

  it('lets the right password in once the lock has expired, and clears the counters', async () => {
    nowMs += 16 * 60_000;
    const ok = await attempt('rad', PASSWORDS.radiologist);
    assert.equal(ok.statusCode, 200);
    assert.equal((await attempt('rad', 'one-typo')).statusCode, 401);
    assert.equal(
      (await attempt('rad', PASSWORDS.radiologist)).statusCode,
      200,
      'one typo after a success costs nothing',
    );
    const audit = await hub.audit.list({ limit: 5, actor: 'rad', action: 'session.login' });
    assert.equal(audit[0]?.source, '10.9.8.7');
  });

  it('throttles an address that tries many accounts', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) {
      codes.push(
        (
          await hub.app.inject({
            method: 'POST',
            url: '/api/session',
            payload: { username: `user${i}`, password: 'x' },
            remoteAddress: '10.1.1.1',
          })
        ).statusCode,
      );
    }
    assert.ok(codes.includes(429), 'the address is throttled across accounts');
    assert.equal(codes.slice(0, 10).filter((c) => c === 401).length, 10, 'ten free failures per address');
  });
});
