/**
 * The model the agent scores with right now, switched atomically between two images (docs/rollout.md).
 * In: the model loaded at start-up, later `swap(next)` from the model manager. Out: `take()` gives a file a
 * lease on the current model (manifest + session, through its own micro-batcher); the file uses that lease
 * from preprocessing to its outbox commit and then releases it, so one result always comes from one model.
 * A swapped-out model is closed once its last lease is released (its in-flight batches are done by then).
 * Observers (shadow mode, probation) see every inference outcome; they must not throw. An observer that reads the
 * film's pixels says so (`observe(…, { pixels: true })`): leases taken while it observes ask for them
 * (`needsPixels`), so the pipeline keeps them (they otherwise stay in the pixel worker).
 * Failures: closing a retired session is logged with its code and does not affect scoring.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import type { InferenceSession, ModelOutput, RuntimeName } from '../../models/runtime/types.ts';
import type { DecodedFilm } from '../pipeline/stages/decode.ts';
import type { Batcher } from '../screening/batcher.ts';
import type { ActiveModel } from './active-model.ts';

export interface InferenceOutcome {
  model: ActiveModel;
  /** The film `input` was made from; its pixels are here when the lease said `needsPixels`. */
  image: DecodedFilm;
  output?: ModelOutput;
  error?: unknown;
}

export type InferenceObserver = (outcome: InferenceOutcome) => Promise<void> | void;

export interface ModelLease {
  readonly manifest: Manifest;
  readonly runtime: RuntimeName;
  /** An observer reads the film's pixels (shadow mode): keep them for `infer`. */
  readonly needsPixels: boolean;
  /** `image` is the decoded film `input` was made from (a shadow model may need another input size). */
  infer(input: ModelInput, image: DecodedFilm): Promise<ModelOutput>;
  /** Runs the model on an input derived from the film (the gate's orientation copies); no observer sees it. */
  probe(input: ModelInput): Promise<ModelOutput>;
  release(): void;
}

interface Entry {
  model: ActiveModel;
  batcher: Batcher;
  /** False for a model handed in by the caller (startAgent deps.model): the caller closes it. */
  owned: boolean;
  leases: number;
  retired: boolean;
}

export class ModelSlot {
  #current: Entry;
  readonly #closing = new Set<Promise<void>>();
  readonly #observers = new Map<InferenceObserver, { pixels: boolean }>();

  constructor(
    initial: ActiveModel,
    readonly options: { owned: boolean; makeBatcher(session: InferenceSession): Batcher; log: Logger },
  ) {
    this.#current = this.#entry(initial, options.owned);
  }

  get current(): ActiveModel {
    return this.#current.model;
  }

  /** Adds an observer of every inference; returns the function that removes it. */
  observe(observer: InferenceObserver, needs: { pixels: boolean } = { pixels: false }): () => void {
    this.#observers.set(observer, needs);
    return () => this.#observers.delete(observer);
  }

  take(): ModelLease {
    const entry = this.#current;
    entry.leases += 1;
    let released = false;
    return {
      manifest: entry.model.manifest,
      runtime: entry.model.session.runtime,
      needsPixels: [...this.#observers.values()].some((needs) => needs.pixels),
      infer: async (input, image) => {
        const observers = [...this.#observers.keys()];
        let output: ModelOutput;
        try {
          output = await entry.batcher.infer(input);
        } catch (error) {
          await Promise.all(observers.map((observe) => observe({ model: entry.model, image, error })));
          throw error;
        }
        await Promise.all(observers.map((observe) => observe({ model: entry.model, image, output })));
        return output;
      },
      probe: (input) => entry.batcher.infer(input),
      release: () => {
        if (released) return;
        released = true;
        entry.leases -= 1;
        if (entry.retired && entry.leases === 0) this.#close(entry);
      },
    };
  }

  /** Makes `next` the model new files take; the old one closes when its files are done. Returns the old. */
  swap(next: ActiveModel): ActiveModel {
    const old = this.#current;
    this.#current = this.#entry(next, true);
    old.retired = true;
    if (old.leases === 0) this.#close(old);
    return old.model;
  }

  /** Closes the current model and waits for retired ones (call after the workers have stopped). */
  async close(): Promise<void> {
    const last = this.#current;
    last.retired = true;
    if (last.leases === 0) this.#close(last);
    await Promise.all(this.#closing);
  }

  #entry(model: ActiveModel, owned: boolean): Entry {
    return { model, batcher: this.options.makeBatcher(model.session), owned, leases: 0, retired: false };
  }

  #close(entry: Entry): void {
    if (!entry.owned) return;
    entry.owned = false; // close once
    const closing = entry.model.session
      .close()
      .catch((thrown: unknown) => {
        const error = asCxrError(thrown);
        this.options.log.warn({ code: error.code, err: error.message }, 'closing a retired model session failed');
      })
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
