/**
 * Login throttling (pure; docs/hub.md#login-protection). Failed sign-ins are counted per account and per source
 * address. In: the counter for each key, the time, the policy. Out: whether a sign-in may be checked now, and the
 * counters after a failure or a success.
 * - After `freeFailures` failures in a row, each next attempt must wait `baseDelayS` · 2^(extra failures − 1)
 *   seconds after the last failure (capped at `maxDelayS`); an attempt inside the wait is refused without
 *   looking at the password, and does not count.
 * - At `lockAfter` failures the key is locked for `lockS`: even the right password is refused until then.
 * - Failures older than `windowS` are forgotten; a success clears the account's and the address's counters.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelayS: number;
  maxDelayS: number;
  lockAfter: number;
  lockS: number;
  windowS: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 3,
  baseDelayS: 1,
  maxDelayS: 60,
  lockAfter: 10,
  lockS: 15 * 60,
  windowS: 60 * 60,
};

/** An address may try several accounts (a shared clinic network), so it gets more room before it locks. */
export const ADDRESS_POLICY: ThrottlePolicy = { ...ACCOUNT_POLICY, freeFailures: 10, lockAfter: 30 };

export interface FailureCounter {
  failures: number;
  lastFailureMs: number;
  lockedUntilMs: number;
}

export const NO_FAILURES: FailureCounter = { failures: 0, lastFailureMs: 0, lockedUntilMs: 0 };

export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; code: 'CXR_ERR_HUB_LOGIN_THROTTLED' | 'CXR_ERR_HUB_ACCOUNT_LOCKED'; retryAfterS: number };

function current(counter: FailureCounter, nowMs: number, policy: ThrottlePolicy): FailureCounter {
  const stale = counter.lockedUntilMs <= nowMs && nowMs - counter.lastFailureMs > policy.windowS * 1000;
  return stale ? NO_FAILURES : counter;
}

export function delayS(failures: number, policy: ThrottlePolicy): number {
  const extra = failures - policy.freeFailures;
  return extra <= 0 ? 0 : Math.min(policy.maxDelayS, policy.baseDelayS * 2 ** (extra - 1));
}

export function mayTry(counter: FailureCounter, nowMs: number, policy: ThrottlePolicy): ThrottleVerdict {
  const c = current(counter, nowMs, policy);
  if (c.lockedUntilMs > nowMs) {
    return {
      allowed: false,
      code: 'CXR_ERR_HUB_ACCOUNT_LOCKED',
      retryAfterS: Math.ceil((c.lockedUntilMs - nowMs) / 1000),
    };
  }
  const readyMs = c.lastFailureMs + delayS(c.failures, policy) * 1000;
  if (c.failures > policy.freeFailures - 1 && readyMs > nowMs) {
    return { allowed: false, code: 'CXR_ERR_HUB_LOGIN_THROTTLED', retryAfterS: Math.ceil((readyMs - nowMs) / 1000) };
  }
  return { allowed: true };
}

export function afterFailure(counter: FailureCounter, nowMs: number, policy: ThrottlePolicy): FailureCounter {
  const c = current(counter, nowMs, policy);
  const failures = c.failures + 1;
  return {
    failures,
    lastFailureMs: nowMs,
    lockedUntilMs: failures >= policy.lockAfter ? nowMs + policy.lockS * 1000 : c.lockedUntilMs,
  };
}

/** The stricter of two verdicts (the account's and the address's). */
export function stricter(a: ThrottleVerdict, b: ThrottleVerdict): ThrottleVerdict {
  if (a.allowed) return b;
  if (b.allowed) return a;
  if (a.code !== b.code) return a.code === 'CXR_ERR_HUB_ACCOUNT_LOCKED' ? a : b;
  return a.retryAfterS >= b.retryAfterS ? a : b;
}
