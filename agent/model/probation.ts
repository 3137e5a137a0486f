/**
 * Probation after a switch (docs/rollout.md): counts the new model's inference outcomes on its first
 * `images` images. In: the slot's inference outcomes for that model. Out: `onFailed(tally)` once, as soon as
 * more than `maxErrorFraction` of them failed in the runtime (bad input files never reach inference: they
 * are quarantined before). It stops observing when probation passes, fails, or `stop()` is called.
 */
import type { ActiveModel } from './active-model.ts';
import type { ModelSlot } from './model-slot.ts';
import { type ProbationTally, probationVerdict } from './take-up-policy.ts';

export interface Probation {
  stop(): void;
}

export function startProbation(
  slot: ModelSlot,
  model: ActiveModel,
  policy: { images: number; maxErrorFraction: number },
  onFailed: (tally: ProbationTally) => void,
): Probation {
  let tally: ProbationTally = { ok: 0, failed: 0 };
  const stop = slot.observe((outcome) => {
    if (outcome.model !== model) return; // files that took the old model before the switch
    tally = outcome.error === undefined ? { ...tally, ok: tally.ok + 1 } : { ...tally, failed: tally.failed + 1 };
    const verdict = probationVerdict(tally, policy);
    if (verdict === 'continue') return;
    stop();
    if (verdict === 'failed') onFailed(tally);
  });
  return { stop };
}
