/**
 * Model manager: takes up desired versions and rolls back (docs/rollout.md "Agent"). In: validated
 * `model/desired` messages (handle-model-desired.ts) and the slot's inference outcomes. Out: `model/state`
 * reports through `report()`, switches of the slot, and `<dataDir>/models/state.json`.
 *
 *   desired ─▶ decideDesired ─▶ already active: report `active` | failed before: nothing | take-up:
 *     take-up.ts (downloading → verifying → self-test) ─▶ [shadow.ts] ─▶ switch (state.json, slot.swap)
 *     ─▶ `active` ─▶ probation.ts ─too many inference errors─▶ previous version back, `rolled-back`
 *
 * The latest message wins: a different desired version aborts the take-up in progress (nothing is reported
 * for the aborted one). A message's `liveShadow` goes to live-shadow.ts, whatever the decision. Any failure is reported `failed` with its code and remembered by (sha256, rolloutId);
 * the agent keeps scoring with its current model. State changes (switch, rollback, failures, pruning) run
 * one at a time.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import { loadModelPackage } from '../../models/package/load-package.ts';
import type { ModelDesired, ModelStateMessage } from '../../protocol/messages.ts';
import type { AgentConfig } from '../config.ts';
import { type ActiveModel, openSelfTested } from './active-model.ts';
import { LiveShadow } from './live-shadow.ts';
import type { ModelSlot } from './model-slot.ts';
import { ModelStateKeeper } from './model-state-keeper.ts';
import { checkVersionName, type ModelStore } from './model-store.ts';
import { type Probation, startProbation } from './probation.ts';
import { runShadow } from './shadow.ts';
import { type ConfiguredModel, dirOf } from './start-model.ts';
import { type StepReport, type TakeUpDeps, takeUp } from './take-up.ts';
import {
  agreementOf,
  decideDesired,
  type FailedTakeUp,
  type ModelState,
  type ProbationTally,
  progressDue,
  shadowVerdict,
  withFailure,
  withInstalled,
} from './take-up-policy.ts';

export interface ModelManagerDeps {
  slot: ModelSlot;
  store: ModelStore;
  state: ModelState;
  configured: ConfiguredModel;
  rollout: AgentConfig['rollout'];
  modelConfig: AgentConfig['model'];
  trustedPublicKeysPem: readonly string[];
  /** CA for https package URLs (the agent's `mqtt.caFile`). */
  ca?: Buffer;
  report(message: ModelStateMessage): void;
  /** After every switch of the slot (the status message shows the new version). */
  switched(): void;
  /** Counts switches, failures and rollbacks by state. */
  counted(state: 'active' | 'failed' | 'rolled-back'): void;
  log: Logger;
  now(): number;
}

const PROGRESS_INTERVAL_MS = 1000;

type Facts = Pick<ModelStateMessage, 'agreement' | 'shadowImages'>;

function keyOf(desired: ModelDesired): FailedTakeUp {
  return {
    version: desired.version,
    sha256: desired.sha256,
    ...(desired.rolloutId ? { rolloutId: desired.rolloutId } : {}),
  };
}

function sameTarget(a: ModelDesired, b: ModelDesired): boolean {
  return a.version === b.version && a.sha256 === b.sha256 && a.rolloutId === b.rolloutId && !a.shadow === !b.shadow;
}

export class ModelManager {
  readonly #keeper: ModelStateKeeper;
  #pending: ModelDesired | undefined;
  #running: { desired: ModelDesired; abort: AbortController } | undefined;
  #loop: Promise<void> | undefined;
  #probation: Probation | undefined;
  /** What the active model was taken up from, while it is on probation. */
  #activated: FailedTakeUp | undefined;
  #closed = false;
  /** The candidate scored beside the active model while the hub shadows it here (pipeline: stages/shadow.ts). */
  readonly liveShadow: LiveShadow;

  constructor(readonly deps: ModelManagerDeps) {
    this.#keeper = new ModelStateKeeper(deps.store, deps.state, deps.log);
    this.liveShadow = new LiveShadow({
      takeUp: (desired, signal) =>
        takeUp(
          desired,
          this.#dirFor(desired.version) ? 'disk' : 'download',
          this.#takeUpDeps(() => {}),
          signal,
        ),
      activeVersion: () => deps.slot.current.manifest.version,
      log: deps.log,
    });
  }

  handle(desired: ModelDesired): void {
    if (this.#closed) return;
    this.liveShadow.want(desired.liveShadow);
    if (this.#running && sameTarget(this.#running.desired, desired)) return; // already on its way
    this.#pending = desired;
    this.#running?.abort.abort(new CxrError('CXR_ERR_AGENT_MODEL_SUPERSEDED', `superseded by ${desired.version}`));
    this.#loop ??= this.#drain();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pending = undefined;
    this.#running?.abort.abort(new CxrError('CXR_ERR_AGENT_MODEL_SUPERSEDED', 'the agent is stopping'));
    this.#probation?.stop();
    await this.#loop;
    await this.liveShadow.close();
    await this.#keeper.idle();
  }

  async #drain(): Promise<void> {
    for (let next = this.#pending; next !== undefined; next = this.#pending) {
      this.#pending = undefined;
      await this.#apply(next);
    }
    this.#loop = undefined; // no await between the last check and here: handle() starts a new loop
  }

  async #apply(desired: ModelDesired): Promise<void> {
    const { slot, rollout, log } = this.deps;
    const decision = decideDesired(desired, {
      enabled: rollout.enabled,
      activeVersion: slot.current.manifest.version,
      state: this.#keeper.state,
      onDisk: (version) => this.#dirFor(version) !== undefined,
    });
    if (decision.kind === 'already-active') return this.#report(desired, { state: 'active' });
    if (decision.kind === 'failed-before') {
      log.info({ model: desired.version, rolloutId: desired.rolloutId }, 'desired version failed before; not retried');
      return;
    }
    if (decision.kind === 'disabled') {
      const reason = 'rollout.enabled is false in the agent config';
      return this.#report(desired, { state: 'failed', code: 'CXR_ERR_AGENT_ROLLOUT_DISABLED', reason });
    }
    const abort = new AbortController();
    this.#running = { desired, abort };
    const facts: Facts = {};
    log.info({ model: desired.version, source: decision.source, shadow: !!desired.shadow }, 'taking up a model');
    try {
      await this.#takeUpAndSwitch(desired, decision.source, facts, abort.signal);
    } catch (thrown) {
      if (abort.signal.aborted) {
        log.info({ model: desired.version, why: (abort.signal.reason as Error).message }, 'take-up abandoned');
        return;
      }
      await this.#fail(desired, asCxrError(thrown), facts);
    } finally {
      this.#running = undefined;
    }
  }

  async #takeUpAndSwitch(desired: ModelDesired, source: 'download' | 'disk', facts: Facts, signal: AbortSignal) {
    checkVersionName(desired.version);
    const candidate = await takeUp(
      desired,
      source,
      this.#takeUpDeps((step) => this.#report(desired, step)),
      signal,
    );
    let switched = false;
    try {
      if (desired.shadow) await this.#shadow(desired, candidate, facts, signal);
      switched = await this.#keeper.exclusive(() => this.#switchTo(candidate, desired, signal));
    } finally {
      if (!switched) await candidate.session.close();
    }
  }

  #takeUpDeps(step: TakeUpDeps['step']): TakeUpDeps {
    const { rollout, log, now } = this.deps;
    return {
      store: this.deps.store,
      modelConfig: this.deps.modelConfig,
      trustedPublicKeysPem: this.deps.trustedPublicKeysPem,
      dirFor: (version) => this.#dirFor(version),
      installed: (entry) => this.#keeper.exclusive(() => this.#keeper.save(withInstalled(this.#keeper.state, entry))),
      download: {
        ...(this.deps.ca ? { ca: this.deps.ca } : {}),
        idleTimeoutMs: rollout.downloadTimeoutMs,
        progressIntervalMs: PROGRESS_INTERVAL_MS,
      },
      step,
      log,
      now,
    };
  }

  async #shadow(desired: ModelDesired, candidate: ActiveModel, facts: Facts, signal: AbortSignal): Promise<void> {
    const policy = { images: this.deps.rollout.shadowImages, minAgreement: this.deps.rollout.shadowMinAgreement };
    let lastAt: number | undefined;
    this.#report(desired, { state: 'shadow', shadowImages: 0 });
    const tally = await runShadow(
      this.deps.slot,
      candidate,
      policy.images,
      (t) => {
        Object.assign(facts, { agreement: agreementOf(t), shadowImages: t.images });
        if (!progressDue(lastAt, this.deps.now(), PROGRESS_INTERVAL_MS, t.images >= policy.images)) return;
        lastAt = this.deps.now();
        this.#report(desired, { state: 'shadow', ...facts });
      },
      signal,
    );
    if (shadowVerdict(tally, policy) === 'failed') {
      throw new CxrError(
        'CXR_ERR_AGENT_MODEL_SHADOW_DISAGREES',
        `flags agreed on ${tally.agreed} of ${tally.images} images; rollout.shadowMinAgreement is ${policy.minAgreement}`,
      );
    }
  }

  /** Under the lock. Persists the switch first: if that fails, nothing switches (start-up checks it after a crash). */
  async #switchTo(candidate: ActiveModel, desired: ModelDesired, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    const { slot, rollout } = this.deps;
    const previous = slot.current.manifest.version;
    await this.#keeper.save({ ...this.#keeper.state, active: desired.version, previous });
    slot.swap(candidate);
    this.#probation?.stop();
    this.#activated = keyOf(desired);
    this.#probation = startProbation(
      slot,
      candidate,
      { images: rollout.probationImages, maxErrorFraction: rollout.maxErrorFraction },
      (tally) => this.#onProbationFailed(candidate, tally),
    );
    this.deps.log.info({ model: desired.version, previous }, 'switched model');
    this.#report(desired, { state: 'active' });
    this.deps.counted('active');
    this.deps.switched();
    await this.#keeper.prune(rollout.keepVersions);
    return true;
  }

  async #fail(desired: ModelDesired, error: CxrError, facts: Facts): Promise<void> {
    this.deps.log.warn({ model: desired.version, code: error.code, err: error.message }, 'model take-up failed');
    await this.#keeper.exclusive(() => this.#keeper.saveOrLog(withFailure(this.#keeper.state, keyOf(desired))));
    this.#report(desired, { state: 'failed', code: error.code, reason: error.message.slice(0, 1000), ...facts });
    this.deps.counted('failed');
  }

  #onProbationFailed(model: ActiveModel, tally: ProbationTally): void {
    this.#keeper
      .exclusive(() => this.#rollBack(model, tally))
      .catch((thrown: unknown) => {
        const error = asCxrError(thrown, 'CXR_ERR_AGENT_MODEL_ROLLBACK_FAILED');
        this.deps.log.error({ code: error.code, err: error.message }, 'rollback after probation failed');
      });
  }

  /** Under the lock: the previous version back after a failed probation. */
  async #rollBack(model: ActiveModel, tally: ProbationTally): Promise<void> {
    const { slot, log } = this.deps;
    const activated = this.#activated;
    if (slot.current !== model || activated === undefined) return; // replaced meanwhile
    const reason = `${tally.failed} of the first ${tally.ok + tally.failed} images failed in inference`;
    const previous = this.#keeper.state.previous;
    const dir = previous === undefined ? undefined : this.#dirFor(previous);
    let back: ActiveModel;
    try {
      if (dir === undefined) throw new CxrError('CXR_ERR_AGENT_MODEL_STORE', 'no previous version on disk');
      const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: this.deps.trustedPublicKeysPem });
      back = await openSelfTested(pkg, this.deps.modelConfig, log);
    } catch (thrown) {
      const error = asCxrError(thrown);
      log.error({ code: error.code, err: error.message }, 'probation failed and the previous model cannot be loaded');
      this.#report(activated, {
        state: 'failed',
        code: 'CXR_ERR_AGENT_MODEL_ROLLBACK_FAILED',
        reason: `${reason}; previous version unusable: ${error.message}`.slice(0, 1000),
      });
      return;
    }
    const next = withFailure({ ...this.#keeper.state, active: previous, previous: undefined }, activated);
    if (!(await this.#keeper.saveOrLog(next))) {
      await back.session.close(); // without the state written, a restart would load the failing model again
      return;
    }
    slot.swap(back);
    this.#activated = undefined;
    log.error({ model: model.manifest.version, back: previous, reason }, 'probation failed: rolled back');
    this.#report(activated, { state: 'rolled-back', code: 'CXR_ERR_AGENT_MODEL_PROBATION_FAILED', reason });
    this.deps.counted('rolled-back');
    this.deps.switched();
  }

  #dirFor(version: string): string | undefined {
    return dirOf(version, this.deps.store, this.deps.configured);
  }

  #report(about: Pick<ModelDesired, 'version' | 'rolloutId'>, fields: StepReport & Partial<ModelStateMessage>): void {
    this.deps.report({
      v: 1,
      ...(about.rolloutId ? { rolloutId: about.rolloutId } : {}),
      version: about.version,
      ...fields,
      activeVersion: this.deps.slot.current.manifest.version,
      at: new Date(this.deps.now()).toISOString(),
    });
  }
}
