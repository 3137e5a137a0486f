/**
 * Shadow mode (docs/rollout.md): the candidate scores the next `images` images beside the active model,
 * and only the active model's results are kept. In: the slot (whose inferences it observes) and the
 * self-tested candidate. Out: the tally of compared images and how many had identical findings called
 * (take-up-policy.ts decides pass/fail). Each image is preprocessed for the candidate's own input spec.
 * Progress goes to `progress(tally)` after every compared image.
 *
 * Failures: the candidate throwing on an image → CXR_ERR_AGENT_MODEL_SHADOW_FAILED (with the cause);
 * an abort rethrows the signal's reason. Either way no candidate inference is left running on return.
 */
import { asCxrError, CxrError } from '../../models/errors.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import { findingsOf } from '../screening/result-builder.ts';
import type { ActiveModel } from './active-model.ts';
import type { InferenceOutcome, ModelSlot } from './model-slot.ts';
import { type ShadowTally, tallyShadow } from './take-up-policy.ts';

export async function runShadow(
  slot: ModelSlot,
  candidate: ActiveModel,
  images: number,
  progress: (tally: ShadowTally) => void,
  signal: AbortSignal,
): Promise<ShadowTally> {
  let tally: ShadowTally = { images: 0, agreed: 0 };
  let started = 0;
  const running = new Set<Promise<void>>();
  let settle: { resolve(t: ShadowTally): void; reject(e: unknown): void } | undefined;
  const done = new Promise<ShadowTally>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    if (error === undefined) settle?.resolve(tally);
    else settle?.reject(error);
  };

  const compare = async ({ model, image, output }: InferenceOutcome & { image: { pixels: Float32Array } }) => {
    const { manifest } = candidate;
    const input = preprocess(image, manifest.input);
    try {
      const [shadowOutput] = await candidate.session.infer([input]);
      if (!shadowOutput || !output) throw new Error('no output for the shadow image');
      const activeFlags = findingsOf(model.manifest, output.probabilities);
      const candidateFlags = findingsOf(manifest, shadowOutput.probabilities);
      if (finished) return;
      tally = tallyShadow(tally, activeFlags, candidateFlags);
      progress(tally);
      if (tally.images >= images) finish();
    } catch (thrown) {
      const error = asCxrError(thrown);
      finish(
        new CxrError('CXR_ERR_AGENT_MODEL_SHADOW_FAILED', `candidate failed in shadow mode: ${error.message}`, {
          kind: 'internal',
          cause: thrown,
        }),
      );
    }
  };

  const stopObserving = slot.observe(
    (outcome) => {
      // Only images the active model scored count; the first `images` of them are compared.
      if (finished || outcome.output === undefined || outcome.model === candidate || started >= images) return;
      const { pixels } = outcome.image;
      if (!pixels) return; // a film already in flight when shadowing began: its pixels stayed in the pixel worker
      started += 1;
      const one = compare({ ...outcome, image: { ...outcome.image, pixels } }).finally(() => running.delete(one));
      running.add(one);
      return one;
    },
    { pixels: true },
  );
  const onAbort = () => finish(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    return await done;
  } finally {
    stopObserving();
    signal.removeEventListener('abort', onAbort);
    await Promise.all(running);
  }
}
