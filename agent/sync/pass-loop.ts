/**
 * A background loop that runs one pass at a time (the pixel uploader, the hub state poller). `kick()` starts a
 * pass now, or right after the one in progress (kicks during a pass make one more, not one each); after a pass the
 * next starts `delayMs()` later on an unref'd timer (asked after each pass, so it may depend on how the pass went).
 * `close()` stops the loop and waits for the pass in progress; a pass may look at `closed` to stop early.
 * A pass's rejection is the pass's own business: it is not caught here.
 */
export class PassLoop {
  readonly #pass: () => Promise<void>;
  readonly #delayMs: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(pass: () => Promise<void>, delayMs: () => number) {
    this.#pass = pass;
    this.#delayMs = delayMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#closed) return;
      if (this.#again) {
        this.#again = false;
        this.kick();
        return;
      }
      this.#timer = setTimeout(() => this.kick(), this.#delayMs());
      this.#timer.unref();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
