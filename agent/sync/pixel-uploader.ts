/**
 * Sends the queued diagnostic images to the hub, one at a time, apart from the MQTT results (a result never
 * waits for its pixels). In: the pixel queue, the upload client's options, backoff, clock, logger. Each due
 * image is uploaded (resuming where the hub's copy ends); once the hub confirms the bytes by sha256 the row
 * and file are deleted; a failure waits with exponential backoff and jitter (backoff.ts), logged with its
 * code and HTTP status, never with a path. `kick()` looks now (after a film is queued); otherwise it looks
 * every `pollMs`. `close()` waits for the upload in progress to stop at a chunk boundary.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { PixelQueue } from '../store/pixel-queue.ts';
import { type BackoffPolicy, backoffMs } from './backoff.ts';
import { type UploadClientOptions, UploadError, uploadDiagnostic } from './hub-upload-client.ts';
import { PassLoop } from './pass-loop.ts';

export interface PixelUploaderDeps {
  queue: PixelQueue;
  client: UploadClientOptions;
  backoff: BackoffPolicy;
  pollMs?: number;
  now(): number;
  random?: () => number;
  log: Logger;
  /** Counts confirmed uploads and their bytes (metrics). */
  uploaded?(bytes: number): void;
}

export class PixelUploader {
  readonly #deps: PixelUploaderDeps;
  readonly #loop: PassLoop;

  constructor(deps: PixelUploaderDeps) {
    this.#deps = deps;
    this.#loop = new PassLoop(
      () => this.#pass(),
      () => deps.pollMs ?? 1000,
    );
  }

  start(): void {
    this.#deps.queue.sweep();
    this.kick();
  }

  /** Looks for due uploads now (or right after the current pass). */
  kick(): void {
    this.#loop.kick();
  }

  async #pass(): Promise<void> {
    const { queue, log } = this.#deps;
    for (;;) {
      if (this.#loop.closed) return;
      const [next] = queue.due(this.#deps.now(), 1);
      if (!next) return;
      try {
        await uploadDiagnostic(this.#deps.client, next.resultId, next.image, next.path);
        queue.confirmed(next.resultId, next.image.sha256);
        this.#deps.uploaded?.(next.image.sizeBytes);
        log.info({ resultId: next.resultId, bytes: next.image.sizeBytes }, 'diagnostic image uploaded');
      } catch (thrown) {
        const error = asCxrError(thrown);
        const waitMs = backoffMs(next.attempts, this.#deps.backoff, this.#deps.random);
        queue.retryLater(next.resultId, this.#deps.now() + waitMs, error.code);
        const status = thrown instanceof UploadError ? thrown.status : undefined;
        log.warn({ resultId: next.resultId, code: error.code, status, err: error.message, waitMs }, 'upload failed');
      }
    }
  }

  /** The hub is reachable again (MQTT reconnected): retry everything now. */
  resume(): void {
    this.#deps.queue.resetBackoff(this.#deps.now());
    this.kick();
  }

  close(): Promise<void> {
    return this.#loop.close();
  }
}
