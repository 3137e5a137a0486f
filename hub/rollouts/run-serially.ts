/**
 * Runs async jobs one at a time, in call order. The rollout runner's jobs read the database, decide and
 * write: two at once could both see an agent unassigned and both assign it. With several hub replicas each job
 * also runs under `guard` (a lock every replica shares, hub/jobs/cluster-lock.ts).
 */
export interface SerialRunner {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves when every job queued so far (and any queued meanwhile) has finished. */
  idle(): Promise<void>;
}

export function createSerialRunner(guard?: <T>(job: () => Promise<T>) => Promise<T>): SerialRunner {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(job) {
      const result = tail.then(guard ? () => guard(job) : job);
      tail = result.catch(() => {});
      return result;
    },
    async idle() {
      let seen: Promise<unknown> | undefined;
      while (seen !== tail) {
        seen = tail;
        await seen;
      }
    },
  };
}
