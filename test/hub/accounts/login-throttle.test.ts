import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  afterFailure,
  delayS,
  type FailureCounter,
  mayTry,
  NO_FAILURES,
  stricter,
} from '../../../hub/accounts/login-throttle.ts';

describe('login throttling', () => {
  it('lets the first failures through, then makes each attempt wait longer', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 20].map((n) => delayS(n, ACCOUNT_POLICY)),
      [0, 0, 0, 0, 1, 2, 4, 60],
    );
    let c: FailureCounter = NO_FAILURES;
    let t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(mayTry(c, t, ACCOUNT_POLICY).allowed, true);
      c = afterFailure(c, t, ACCOUNT_POLICY);
    }
    assert.equal(mayTry(c, t, ACCOUNT_POLICY).allowed, true, 'no wait after the third failure yet');
    c = afterFailure(c, t, ACCOUNT_POLICY);
    const verdict = mayTry(c, t + 100, ACCOUNT_POLICY);
    assert.deepEqual(verdict, { allowed: false, code: 'CXR_ERR_HUB_LOGIN_THROTTLED', retryAfterS: 1 });
    t += 1000;
    assert.equal(mayTry(c, t, ACCOUNT_POLICY).allowed, true);
  });

  it('locks after ten failures: 40 rapid tries check at most ten passwords and the right one is then refused', () => {
    let c: FailureCounter = NO_FAILURES;
    let checked = 0;
    const start = 5_000_000;
    for (let i = 0; i < 40; i++) {
      const t = start + i * 60; // 40 tries in 2.4 s
      if (mayTry(c, t, ACCOUNT_POLICY).allowed) {
        checked++;
        c = afterFailure(c, t, ACCOUNT_POLICY);
      }
    }
    assert.ok(checked <= 5, `${checked} passwords checked`);
    // An attacker who waits out each delay reaches the lock.
    let t = start + 10_000;
    while (c.failures < ACCOUNT_POLICY.lockAfter) {
      t += 61_000;
      assert.equal(mayTry(c, t, ACCOUNT_POLICY).allowed, true);
      c = afterFailure(c, t, ACCOUNT_POLICY);
    }
    const locked = mayTry(c, t + 1000, ACCOUNT_POLICY);
    assert.equal(locked.allowed, false);
    assert.equal(locked.allowed === false && locked.code, 'CXR_ERR_HUB_ACCOUNT_LOCKED');
    assert.equal(mayTry(c, t + ACCOUNT_POLICY.lockS * 1000 + 1, ACCOUNT_POLICY).allowed, true, 'the lock expires');
  });

  it('forgets failures after the window, and gives an address more room than an account', () => {
    let c = afterFailure(
      afterFailure(afterFailure(afterFailure(NO_FAILURES, 0, ACCOUNT_POLICY), 0, ACCOUNT_POLICY), 0, ACCOUNT_POLICY),
      0,
      ACCOUNT_POLICY,
    );
    assert.equal(mayTry(c, 500, ACCOUNT_POLICY).allowed, false);
    c = afterFailure(c, ACCOUNT_POLICY.windowS * 1000 + 10_000, ACCOUNT_POLICY);
    assert.equal(c.failures, 1, 'a stale run starts again');
    assert.ok(ADDRESS_POLICY.lockAfter > ACCOUNT_POLICY.lockAfter);
  });

  it('takes the stricter of the account and address verdicts', () => {
    const throttled = { allowed: false as const, code: 'CXR_ERR_HUB_LOGIN_THROTTLED' as const, retryAfterS: 4 };
    const locked = { allowed: false as const, code: 'CXR_ERR_HUB_ACCOUNT_LOCKED' as const, retryAfterS: 2 };
    assert.deepEqual(stricter({ allowed: true }, throttled), throttled);
    assert.deepEqual(stricter(throttled, locked), locked);
    assert.deepEqual(stricter({ allowed: true }, { allowed: true }), { allowed: true });
  });
});
