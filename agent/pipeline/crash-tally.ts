/**
 * Content that kills pixel workers. A worker that dies mid-image fails that file with CXR_ERR_AGENT_WORKER_DIED
 * and the file is retried; the same content killing `limit` workers is poison (a codec crash on hostile data)
 * and is quarantined instead of being retried for ever. In: the file's content hash and what its stage threw.
 * Out: whether to quarantine it now. Remembers at most `capacity` hashes (the oldest go first).
 */
import { isCxrError } from '../../models/errors.ts';

export class CrashTally {
  readonly #deaths = new Map<string, number>();

  constructor(
    readonly limit = 3,
    readonly capacity = 1000,
  ) {}

  /** Counts a worker death on this content; true once it has killed `limit` workers. */
  poisoned(sha256: string, thrown: unknown): boolean {
    if (!isCxrError(thrown) || thrown.code !== 'CXR_ERR_AGENT_WORKER_DIED') return false;
    const deaths = (this.#deaths.get(sha256) ?? 0) + 1;
    this.#deaths.delete(sha256);
    if (deaths >= this.limit) return true;
    this.#deaths.set(sha256, deaths);
    if (this.#deaths.size > this.capacity) this.#deaths.delete(this.#deaths.keys().next().value as string);
    return false;
  }
}
