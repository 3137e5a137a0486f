/**
 * Per-stage timings of one file, recorded as the file moves (never patched afterwards). In: the moment the
 * intake confirmed the file complete, then each stage's duration as it ends (`time`) and the time its pool
 * tasks waited for a thread (`add('queue', ms)`). Out: `snapshot()`, milliseconds per stage plus `total`
 * (complete → now), which the result carries as `timingsMs`.
 */
export type StageName = 'wait' | 'read' | 'decode' | 'check' | 'preprocess' | 'infer' | 'render' | 'queue';

export class StageClock {
  readonly #ms: Partial<Record<StageName, number>> = {};

  /** `completeAt` on the `performance.now()` clock. */
  constructor(readonly completeAt: number) {}

  async time<T>(stage: StageName, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - started);
    }
  }

  add(stage: StageName, ms: number): void {
    this.#ms[stage] = (this.#ms[stage] ?? 0) + ms;
  }

  snapshot(): Record<string, number> {
    return { ...this.#ms, total: performance.now() - this.completeAt };
  }
}
