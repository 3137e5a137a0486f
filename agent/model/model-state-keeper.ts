/**
 * The agent's persisted model state (`<dataDir>/models/state.json`) as the model manager changes it: one
 * change at a time (`exclusive`), each written atomically before it counts (`save`), and keep-N pruning of
 * installed versions (`prune`, take-up-policy.ts decides which). In: the state read at start-up.
 * Failures: `save` throws CXR_ERR_AGENT_MODEL_STORE (the in-memory state stays as it was); `saveOrLog` and
 * `prune` log the code and go on (the agent keeps scoring; the next change writes the file again).
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { ModelStore } from './model-store.ts';
import { type ModelState, versionsToPrune } from './take-up-policy.ts';

export class ModelStateKeeper {
  #state: ModelState;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: ModelStore,
    initial: ModelState,
    readonly log: Logger,
  ) {
    this.#state = initial;
  }

  get state(): ModelState {
    return this.#state;
  }

  /** Runs state changes one at a time; the returned promise carries fn's result or error. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.then(
      () => undefined,
      () => undefined, // the caller of exclusive() receives the error through `run`
    );
    return run;
  }

  /** Resolves once the changes queued so far are done. */
  idle(): Promise<unknown> {
    return this.#lock;
  }

  async save(next: ModelState): Promise<void> {
    await this.store.writeState(next);
    this.#state = next;
  }

  async saveOrLog(next: ModelState): Promise<boolean> {
    try {
      await this.save(next);
      return true;
    } catch (thrown) {
      const error = asCxrError(thrown);
      this.log.error({ code: error.code, err: error.message }, 'model state not saved');
      return false;
    }
  }

  /** Deletes installed versions beyond `keep` (never the active or previous one). Call inside exclusive(). */
  async prune(keep: number): Promise<void> {
    for (const version of versionsToPrune(this.#state, keep)) {
      try {
        await this.store.remove(version);
      } catch (thrown) {
        const error = asCxrError(thrown);
        this.log.warn({ code: error.code, err: error.message, model: version }, 'old model not deleted');
        continue;
      }
      const installed = this.#state.installed.filter((v) => v.version !== version);
      if (!(await this.saveOrLog({ ...this.#state, installed }))) return;
    }
  }
}
