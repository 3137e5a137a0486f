/**
 * Inference stage with micro-batching. In: one ModelInput per image, from several workers at once.
 * Out: that image's ModelOutput. While the runtime is idle a request goes at once (with any that arrived in the
 * same turn of the event loop): a lone film never waits for company. While a batch runs, requests arriving within
 * `waitMs` of each other (a burst) share one `session.infer` call of up to `maxBatch` images, which is what
 * OpenVINO's throughput mode wants. At most
 * `maxBatchesInFlight` batches run at once (two: one fills the runtime's infer requests while the next is
 * gathered), so memory is bounded by the worker count. A failed batch rejects each of its requests.
 */
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import type { InferenceSession, ModelOutput } from '../../models/runtime/types.ts';

interface Pending {
  input: ModelInput;
  resolve(output: ModelOutput): void;
  reject(error: unknown): void;
}

export interface BatchStats {
  batchSize: number;
  inferMs: number;
}

export class Batcher {
  readonly #pending: Pending[] = [];
  #timer: { cancel(): void } | undefined;
  #running = 0;

  constructor(
    readonly session: InferenceSession,
    readonly maxBatch: number,
    readonly waitMs: number,
    readonly onBatch: (stats: BatchStats) => void = () => undefined,
    readonly maxBatchesInFlight = 2,
  ) {}

  infer(input: ModelInput): Promise<ModelOutput> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running >= this.maxBatchesInFlight) return; // a running batch schedules the next when it ends
    if (this.#pending.length >= this.maxBatch || this.waitMs === 0) {
      this.#flush();
    } else if (!this.#timer && this.#running === 0) {
      const immediate = setImmediate(() => this.#flush());
      this.#timer = { cancel: () => clearImmediate(immediate) };
    } else if (!this.#timer) {
      const timeout = setTimeout(() => this.#flush(), this.waitMs);
      this.#timer = { cancel: () => clearTimeout(timeout) };
    }
  }

  #flush(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const batch = this.#pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.#running += 1;
    const started = performance.now();
    this.session
      .infer(batch.map((p) => p.input))
      .then(
        (outputs) => {
          this.onBatch({ batchSize: batch.length, inferMs: performance.now() - started });
          batch.forEach((p, i) => {
            const output = outputs[i];
            if (output) p.resolve(output);
            else p.reject(new Error(`runtime returned ${outputs.length} outputs for a batch of ${batch.length}`));
          });
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      )
      .finally(() => {
        this.#running -= 1;
        if (this.#pending.length > 0) this.#schedule();
      });
  }
}
