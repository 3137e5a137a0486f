/**
 * Pure: how long to wait before re-sending an unacked result. Exponential from `initialMs`, capped at `maxMs`,
 * with jitter in [50%, 100%] so a fleet coming back online does not resend in lockstep. `random` is passed in.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}
