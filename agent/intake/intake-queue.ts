/**
 * The intake queue: paths only (never file contents), so a 10,000-file backlog costs a few MB. Each path is
 * queued once (a later event for a queued path just updates it); items carry the last look at the file and
 * the earliest time to look again. Workers `take()` the first due item; insertion order is kept.
 */
import type { Observation } from './completeness.ts';

export interface QueueItem {
  path: string;
  /** Which watch folder it came from (index into config.watch). */
  folder: number;
  observation: Observation | undefined;
  notBefore: number;
  /** Internal-failure retries so far (backoff). */
  attempts: number;
  /** When the agent first saw this path (for receivedAt and end-to-end latency). */
  firstSeenAt: number;
}

export class IntakeQueue {
  readonly #items = new Map<string, QueueItem>();
  readonly #busy = new Set<string>();
  #wake: (() => void) | undefined;

  get size(): number {
    return this.#items.size + this.#busy.size;
  }

  has(path: string): boolean {
    return this.#items.has(path) || this.#busy.has(path);
  }

  /** Adds a path seen by the watcher or a rescan; ignored while it is queued or being processed. */
  offer(path: string, folder: number, observation: Observation | undefined, now: number): void {
    if (this.has(path)) return;
    this.#items.set(path, { path, folder, observation, notBefore: now, attempts: 0, firstSeenAt: now });
    this.#notify();
  }

  /** Puts an item back to be looked at again later (file still changing, or a retry). */
  requeue(item: QueueItem, notBefore: number): void {
    this.#busy.delete(item.path);
    this.#items.set(item.path, { ...item, notBefore });
    this.#notify();
  }

  /** The item left the queue for good. */
  done(item: QueueItem): void {
    this.#busy.delete(item.path);
  }

  /** Takes the first due item, or returns the ms until one is due (undefined when empty). */
  take(now: number): QueueItem | number | undefined {
    let soonest: number | undefined;
    for (const item of this.#items.values()) {
      if (item.notBefore <= now) {
        this.#items.delete(item.path);
        this.#busy.add(item.path);
        return item;
      }
      soonest = soonest === undefined ? item.notBefore - now : Math.min(soonest, item.notBefore - now);
    }
    return soonest;
  }

  /** Resolves on the next offer/requeue or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const previous = this.#wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        previous?.();
        done();
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
