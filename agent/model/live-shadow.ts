/**
 * Live shadow (docs/rollout.md "Live shadow"): a candidate the hub wants scored beside production at this site, for as
 * long as the hub says, not just before a switch. In: `want(spec)` from each `model/desired` message (its
 * `liveShadow`; absent = stop). Out: `take()` — a lease on the self-tested candidate for one file, or undefined when
 * there is none (or it is the active version). Taking it up uses the same steps as any desired version (take-up.ts:
 * download with resume, signature against the pinned keys, self-test), logged, never reported as the agent's model.
 *
 * Failures: a take-up that fails is logged with its code and not retried for the same package sha256; a newer spec
 * or a stop aborts one in progress. The active model and its results never depend on the shadow.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import type { ModelOutput } from '../../models/runtime/types.ts';
import type { ModelDesired } from '../../protocol/messages.ts';
import type { ActiveModel } from './active-model.ts';

export type LiveShadowSpec = NonNullable<ModelDesired['liveShadow']>;

export interface ShadowLease {
  readonly manifest: Manifest;
  infer(input: ModelInput): Promise<ModelOutput>;
  release(): void;
}

export interface LiveShadowDeps {
  /** Takes the package up (download or disk, verify, self-test); throws the step's CxrError. */
  takeUp(desired: ModelDesired, signal: AbortSignal): Promise<ActiveModel>;
  activeVersion(): string;
  log: Logger;
}

interface Loaded {
  spec: LiveShadowSpec;
  model: ActiveModel;
  leases: number;
  retired: boolean;
}

export class LiveShadow {
  #loaded: Loaded | undefined;
  #loading: { spec: LiveShadowSpec; abort: AbortController; done: Promise<void> } | undefined;
  readonly #failed = new Set<string>();
  readonly #closing = new Set<Promise<void>>();

  constructor(readonly deps: LiveShadowDeps) {}

  /** The candidate version scoring beside production now, if any. */
  get version(): string | undefined {
    return this.#loaded?.model.manifest.version;
  }

  want(spec: LiveShadowSpec | undefined): void {
    if (spec === undefined) {
      if (!this.#loaded && !this.#loading) return;
      this.#loading?.abort.abort(new Error('live shadow stopped'));
      this.#loading = undefined;
      if (this.#loaded) this.deps.log.info({ shadow: this.#loaded.spec.version }, 'live shadow stopped');
      this.#retire();
      return;
    }
    const same = (s: LiveShadowSpec | undefined) => s?.sha256 === spec.sha256 && s.shadowId === spec.shadowId;
    if (same(this.#loaded?.spec) || same(this.#loading?.spec) || this.#failed.has(spec.sha256)) return;
    this.#loading?.abort.abort(new Error(`superseded by ${spec.version}`));
    const abort = new AbortController();
    const done = this.#load(spec, abort.signal);
    this.#loading = { spec, abort, done };
  }

  take(): ShadowLease | undefined {
    const entry = this.#loaded;
    if (!entry || entry.model.manifest.version === this.deps.activeVersion()) return undefined;
    entry.leases += 1;
    let released = false;
    return {
      manifest: entry.model.manifest,
      infer: async (input) => {
        const [output] = await entry.model.session.infer([input]);
        if (!output) throw new Error('no output from the shadow model');
        return output;
      },
      release: () => {
        if (released) return;
        released = true;
        entry.leases -= 1;
        if (entry.retired && entry.leases === 0) this.#close(entry);
      },
    };
  }

  async close(): Promise<void> {
    const loading = this.#loading;
    this.want(undefined);
    await loading?.done;
    await Promise.all(this.#closing);
  }

  async #load(spec: LiveShadowSpec, signal: AbortSignal): Promise<void> {
    const { log } = this.deps;
    const { shadowId, ...pkg } = spec;
    log.info({ shadow: spec.version, shadowId }, 'taking up a live shadow model');
    try {
      const model = await this.deps.takeUp({ v: 1, ...pkg }, signal);
      if (signal.aborted) {
        await model.session.close();
        return;
      }
      this.#retire();
      this.#loaded = { spec, model, leases: 0, retired: false };
      this.#loading = undefined;
      log.info({ shadow: spec.version, shadowId }, 'live shadow scoring beside the active model');
    } catch (thrown) {
      if (signal.aborted) return;
      this.#loading = undefined;
      this.#failed.add(spec.sha256);
      const error = asCxrError(thrown);
      log.warn({ shadow: spec.version, code: error.code, err: error.message }, 'live shadow take-up failed');
    }
  }

  #retire(): void {
    const entry = this.#loaded;
    this.#loaded = undefined;
    if (!entry) return;
    entry.retired = true;
    if (entry.leases === 0) this.#close(entry);
  }

  #close(entry: Loaded): void {
    const closing = entry.model.session
      .close()
      .catch((thrown: unknown) => {
        const error = asCxrError(thrown);
        this.deps.log.warn({ code: error.code, err: error.message }, 'closing the live shadow session failed');
      })
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
