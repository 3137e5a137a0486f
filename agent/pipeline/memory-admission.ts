/**
 * Memory admission: files in flight are admitted by the memory their pixels will take, so the agent's peak RSS
 * stays under its budget (`memoryBudgetBytes`) on any mix of files — a backlog of 7000×7000 films is decoded a
 * few at a time, small films many at a time. In: the bytes the agent can spend on files in flight (the budget
 * less what the process holds at start: runtimes, model, workers). Out: tickets; a file takes one for its size
 * before it is read, grows it by its decode cost once its header is known, and gives it back when its verdict
 * is recorded. The oldest file in flight is always let through once the others are waiting, so a file larger
 * than the whole budget still goes (nearly alone) and nothing waits forever. A large film's ticket, given back,
 * first has the garbage collected (collect-garbage.ts), so its freed pixels are not still resident when the next
 * film is admitted against them.
 */
import { garbageCollector, LARGE_FILM_SAMPLES } from './collect-garbage.ts';

/**
 * Bytes a decoded film holds at its peak, per sample: the codec's samples (up to 4), the stored → display
 * values (4), and with the diagnostic image its 16-bit samples (2) plus the modality copy made while they
 * are computed (4); then the 8-bit preview and the encoders' buffers (about 1).
 */
export function decodeCostBytes(samples: number, diagnostic: boolean): number {
  return samples * (diagnostic ? 15 : 9);
}

/**
 * What files in flight may take: the budget less what the process holds once started and what it will still
 * take by itself (`laterBytes`: text detectors compiling the input shapes of films of other aspects), and never
 * under 64 MiB.
 */
export function filesBudgetBytes(budgetBytes: number, startedRssBytes: number, laterBytes = 0): number {
  return Math.max(64 * 1024 ** 2, budgetBytes - startedRssBytes - laterBytes);
}

export interface Ticket {
  /** Waits until `bytes` more fit (or this is the oldest ticket). */
  grow(bytes: number): Promise<void>;
  release(): void;
}

interface Held {
  bytes: number;
  order: number;
}

interface Waiter {
  held: Held;
  bytes: number;
  resolve(): void;
}

export interface AdmissionOptions {
  /** Runs a full garbage collection (default: V8's, exposed on first use). */
  collect?: () => void;
  /** A ticket holding at least this many bytes collects when given back (default: a 16 M-sample film's cost). */
  collectAboveBytes?: number;
}

export class MemoryAdmission {
  readonly #held = new Set<Held>();
  readonly #waiters: Waiter[] = [];
  #inUse = 0;
  #order = 0;
  #peak = 0;

  readonly #collect: () => void;
  readonly #collectAboveBytes: number;

  constructor(
    readonly budgetBytes: number,
    options: AdmissionOptions = {},
  ) {
    this.#collect = options.collect ?? (() => garbageCollector()());
    this.#collectAboveBytes = options.collectAboveBytes ?? decodeCostBytes(LARGE_FILM_SAMPLES, false);
  }

  /** Bytes reserved by files in flight. */
  get inUse(): number {
    return this.#inUse;
  }

  /** The most bytes ever reserved at once. */
  get peak(): number {
    return this.#peak;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  async admit(bytes: number): Promise<Ticket> {
    const held: Held = { bytes: 0, order: this.#order++ };
    this.#held.add(held);
    await this.#reserve(held, bytes);
    let released = false;
    return {
      grow: (more) => this.#reserve(held, more),
      release: () => {
        if (released) return;
        released = true;
        if (held.bytes >= this.#collectAboveBytes) this.#collect();
        this.#held.delete(held);
        this.#inUse -= held.bytes;
        this.#wake();
      },
    };
  }

  #reserve(held: Held, bytes: number): Promise<void> {
    if (bytes <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ held, bytes, resolve });
      this.#wake();
    });
  }

  /**
   * Grants in order of arrival what fits. The oldest file in flight always gets what it asks for once it fits, or
   * once every other file is itself waiting (they hold only what they have, so it goes nearly alone); while it
   * waits, nothing else is granted, so the files running drain and a large film is not starved by small ones.
   */
  #wake(): void {
    for (;;) {
      const oldest = this.#oldestHeld();
      const oldestWaiter = oldest && this.#waiters.find((w) => w.held === oldest);
      if (oldestWaiter) {
        const othersWaiting = [...this.#held].every((h) => h === oldest || this.#waiters.some((w) => w.held === h));
        if (!this.#fits(oldestWaiter.bytes) && !othersWaiting) return;
        this.#grant(oldestWaiter);
        continue;
      }
      const next = this.#waiters.find((w) => this.#fits(w.bytes));
      if (!next) return;
      this.#grant(next);
    }
  }

  #fits(bytes: number): boolean {
    return this.#inUse + bytes <= this.budgetBytes;
  }

  #oldestHeld(): Held | undefined {
    let oldest: Held | undefined;
    for (const held of this.#held) if (!oldest || held.order < oldest.order) oldest = held;
    return oldest;
  }

  #grant(waiter: Waiter): void {
    this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
    waiter.held.bytes += waiter.bytes;
    this.#inUse += waiter.bytes;
    this.#peak = Math.max(this.#peak, this.#inUse);
    waiter.resolve();
  }
}
