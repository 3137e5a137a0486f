/**
 * Rollout policy on the agent (pure, docs/rollout.md "Agent"): what to do with a desired version, which
 * versions to delete from disk, shadow agreement, the probation verdict and when to report progress.
 * In: plain data (the desired message, the persisted model state, counts, times). Out: decisions.
 * Nothing here touches the disk, the network or a runtime; model-manager.ts acts on the decisions.
 */
import type { ModelDesired } from '../../protocol/messages.ts';

/** A take-up that failed; the same (sha256, rolloutId) is not tried again (docs/rollout.md). */
export interface FailedTakeUp {
  version: string;
  sha256: string;
  rolloutId?: string;
}

/** A verified package directory under `<dataDir>/models/<version>/`. */
export interface InstalledVersion {
  version: string;
  /** sha256 of the package `.tar` it came from. */
  sha256: string;
  rolloutId?: string;
  installedAt: string;
}

/** `<dataDir>/models/state.json`. */
export interface ModelState {
  active?: string;
  previous?: string;
  failed: FailedTakeUp[];
  /** Oldest first; what keep-N pruning works on. */
  installed: InstalledVersion[];
}

export const EMPTY_MODEL_STATE: ModelState = Object.freeze({ failed: [], installed: [] }) as ModelState;

/** At most this many failed take-ups are remembered (oldest dropped). */
export const MAX_FAILED_REMEMBERED = 50;

export type DesiredDecision =
  | { kind: 'already-active' }
  | { kind: 'failed-before' }
  | { kind: 'disabled' }
  | { kind: 'take-up'; source: 'download' | 'disk' };

export interface DesiredContext {
  enabled: boolean;
  activeVersion: string;
  state: ModelState;
  /** True when the version's package directory is on disk (installed, or the configured `model.dir`). */
  onDisk(version: string): boolean;
}

export function sameFailure(a: FailedTakeUp, desired: Pick<ModelDesired, 'sha256' | 'rolloutId'>): boolean {
  return a.sha256 === desired.sha256 && a.rolloutId === desired.rolloutId;
}

/** What a `model/desired` message asks for, given where the agent stands. */
export function decideDesired(desired: ModelDesired, ctx: DesiredContext): DesiredDecision {
  if (desired.version === ctx.activeVersion) return { kind: 'already-active' };
  if (!ctx.enabled) return { kind: 'disabled' };
  if (ctx.state.failed.some((f) => sameFailure(f, desired))) return { kind: 'failed-before' };
  const installed = ctx.state.installed.find((v) => v.version === desired.version);
  // An installed copy from other bytes (should not happen: versions are immutable on the hub) is replaced.
  const sameBytes = installed === undefined || installed.sha256 === desired.sha256;
  return { kind: 'take-up', source: ctx.onDisk(desired.version) && sameBytes ? 'disk' : 'download' };
}

/** Remembers a failure (deduplicated, newest last, bounded). */
export function withFailure(state: ModelState, failure: FailedTakeUp): ModelState {
  const failed = state.failed.filter((f) => !sameFailure(f, failure));
  failed.push(failure);
  return { ...state, failed: failed.slice(-MAX_FAILED_REMEMBERED) };
}

/** Records an installed version (replacing an older entry of the same version), newest last. */
export function withInstalled(state: ModelState, entry: InstalledVersion): ModelState {
  return { ...state, installed: [...state.installed.filter((v) => v.version !== entry.version), entry] };
}

/**
 * Installed versions to delete so that at most `keep` stay on disk; the active and previous versions
 * are never deleted, the oldest go first.
 */
export function versionsToPrune(state: ModelState, keep: number): string[] {
  const protectedVersions = new Set([state.active, state.previous].filter((v) => v !== undefined));
  let excess = state.installed.length - keep;
  const prune: string[] = [];
  for (const entry of state.installed) {
    if (excess <= 0) break;
    if (protectedVersions.has(entry.version)) continue;
    prune.push(entry.version);
    excess -= 1;
  }
  return prune;
}

/** Shadow mode: how many images both models scored and on how many their flags were identical. */
export interface ShadowTally {
  images: number;
  agreed: number;
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((flag, i) => flag === sorted[i]);
}

export function tallyShadow(tally: ShadowTally, activeFlags: readonly string[], candidateFlags: readonly string[]) {
  return { images: tally.images + 1, agreed: tally.agreed + (sameFlags(activeFlags, candidateFlags) ? 1 : 0) };
}

/** Fraction of compared images with identical flags; 1 when none were compared yet. */
export function agreementOf(tally: ShadowTally): number {
  return tally.images === 0 ? 1 : tally.agreed / tally.images;
}

export type ShadowVerdict = 'continue' | 'passed' | 'failed';

export function shadowVerdict(tally: ShadowTally, policy: { images: number; minAgreement: number }): ShadowVerdict {
  if (tally.images < policy.images) return 'continue';
  return agreementOf(tally) >= policy.minAgreement ? 'passed' : 'failed';
}

/** Probation after a switch: inference outcomes of the new model's first images. */
export interface ProbationTally {
  ok: number;
  failed: number;
}

export type ProbationVerdict = 'continue' | 'passed' | 'failed';

/**
 * `failed` as soon as more than `maxErrorFraction` of `images` have failed (it cannot pass any more),
 * `passed` once `images` outcomes are in without that, else `continue`.
 */
export function probationVerdict(
  tally: ProbationTally,
  policy: { images: number; maxErrorFraction: number },
): ProbationVerdict {
  if (tally.failed > policy.maxErrorFraction * policy.images) return 'failed';
  return tally.ok + tally.failed >= policy.images ? 'passed' : 'continue';
}

/** Progress reports (download bytes, shadow images) at most every `intervalMs`, plus the first and last. */
export function progressDue(lastAtMs: number | undefined, nowMs: number, intervalMs: number, final: boolean): boolean {
  return final || lastAtMs === undefined || nowMs - lastAtMs >= intervalMs;
}
