/**
 * Calls to one native model, one at a time, in the order they came (a runtime session or a single-threaded
 * detector is not re-entrant, and order keeps a backlog fair). In: async calls. Out: each call's own result or
 * error (a failed call does not stop the ones behind it). After `close()` — which waits for the calls already
 * queued — a new call rejects with CXR_ERR_SESSION_CLOSED.
 */
import { CxrError } from '../errors.ts';

export class CallQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(readonly what: string) {}

  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new CxrError('CXR_ERR_SESSION_CLOSED', `${this.what} is closed`, { kind: 'internal' }));
    }
    const run = this.#tail.then(call);
    this.#tail = run.catch(() => undefined); // the caller gets the error from `run`; the queue only orders calls
    return run;
  }

  /** True the first time only: the caller then frees what the calls used. */
  async close(): Promise<boolean> {
    if (this.#closed) return false;
    this.#closed = true;
    await this.#tail;
    return true;
  }
}
