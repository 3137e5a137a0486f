/**
 * Which model the agent starts with (docs/rollout.md "Agent"). In: `<dataDir>/models/state.json` and the
 * configured `model.dir`. Out: the first of `state.active`, `state.previous`, `model.dir` that verifies
 * against the pinned keys and passes its self-test, the state to continue with, and, when `state.active`
 * could not be used, a `rolled-back` report (with the failure's code) to publish once connected.
 *
 * Failures: a malformed state.json is logged (CXR_ERR_AGENT_MODEL_STATE_INVALID) and the agent starts from
 * `model.dir`; when nothing loads, the configured model's error is thrown and the agent stops, as it does
 * without rollouts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import { loadModelPackage } from '../../models/package/load-package.ts';
import { MANIFEST_FILE } from '../../models/package/package-files.ts';
import type { ModelStateMessage } from '../../protocol/messages.ts';
import type { AgentConfig } from '../config.ts';
import { type ActiveModel, openSelfTested } from './active-model.ts';
import type { ModelStore } from './model-store.ts';
import { EMPTY_MODEL_STATE, type ModelState, withFailure } from './take-up-policy.ts';

export interface ConfiguredModel {
  dir: string;
  /** The version in `model.dir`'s manifest (read without verifying; it is verified when loaded). */
  version: string | undefined;
}

export interface StartedModel {
  model: ActiveModel;
  state: ModelState;
  configured: ConfiguredModel;
  /** A `rolled-back` report for the hub when `state.active` failed at start-up. */
  report?: Omit<ModelStateMessage, 'v' | 'at' | 'activeVersion'>;
}

export interface StartModelDeps {
  store: ModelStore;
  modelConfig: AgentConfig['model'];
  trustedPublicKeysPem: readonly string[];
  log: Logger;
}

export function configuredModel(dir: string): ConfiguredModel {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { version?: unknown };
    return { dir, version: typeof manifest.version === 'string' ? manifest.version : undefined };
  } catch {
    // Unreadable here means unloadable when it is opened, which fails with its CXR_ERR_PACKAGE_* code.
    return { dir, version: undefined };
  }
}

/** The package directory of a version: installed under `<dataDir>/models/`, or the configured one. */
export function dirOf(version: string, store: ModelStore, configured: ConfiguredModel): string | undefined {
  if (store.hasVersion(version)) return store.versionDir(version);
  return configured.version === version ? configured.dir : undefined;
}

async function open(dir: string, expected: string | undefined, deps: StartModelDeps): Promise<ActiveModel> {
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: deps.trustedPublicKeysPem });
  if (expected !== undefined && pkg.manifest.version !== expected) {
    throw new CxrError(
      'CXR_ERR_AGENT_MODEL_VERSION_MISMATCH',
      `the folder of model ${expected} holds version ${pkg.manifest.version}`,
    );
  }
  return openSelfTested(pkg, deps.modelConfig, deps.log);
}

async function readState(deps: StartModelDeps): Promise<ModelState> {
  try {
    return await deps.store.readState();
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_AGENT_MODEL_STATE_INVALID');
    deps.log.error({ code: error.code, err: error.message }, 'model state unreadable; starting from model.dir');
    return structuredClone(EMPTY_MODEL_STATE);
  }
}

/** `given`: a model the caller already loaded (tests, benchmarks); it is used as it is. */
export async function startModel(deps: StartModelDeps, given?: ActiveModel): Promise<StartedModel> {
  const state = await readState(deps);
  const configured = configuredModel(deps.modelConfig.dir);
  if (given) return { model: given, state, configured };
  const active = state.active;
  if (active === undefined) return { model: await open(configured.dir, undefined, deps), state, configured };

  const activeDir = dirOf(active, deps.store, configured);
  let failure: CxrError;
  try {
    if (activeDir === undefined) {
      throw new CxrError('CXR_ERR_AGENT_MODEL_STORE', `model ${active} is not on disk`, { kind: 'internal' });
    }
    return { model: await open(activeDir, active, deps), state, configured };
  } catch (thrown) {
    failure = asCxrError(thrown);
    deps.log.error({ code: failure.code, err: failure.message, model: active }, 'active model failed at start-up');
  }

  const fallbacks: { dir: string; version?: string }[] = [];
  const previousDir = state.previous === undefined ? undefined : dirOf(state.previous, deps.store, configured);
  if (previousDir !== undefined) fallbacks.push({ dir: previousDir, version: state.previous as string });
  if (previousDir !== configured.dir) fallbacks.push({ dir: configured.dir });
  let model: ActiveModel | undefined;
  for (const [index, fallback] of fallbacks.entries()) {
    try {
      model = await open(fallback.dir, fallback.version, deps);
      break;
    } catch (thrown) {
      const error = asCxrError(thrown);
      if (index === fallbacks.length - 1) throw error;
      deps.log.error({ code: error.code, err: error.message }, 'previous model failed at start-up too');
    }
  }
  const used = model as ActiveModel;
  const installed = state.installed.find((v) => v.version === active);
  let next: ModelState = { ...state, active: used.manifest.version, previous: undefined };
  if (installed) {
    const { version, sha256, rolloutId } = installed;
    next = withFailure(next, { version, sha256, ...(rolloutId ? { rolloutId } : {}) });
  }
  try {
    await deps.store.writeState(next);
  } catch (error) {
    await used.session.close(); // an unwritable dataDir stops the agent (docs/agent.md)
    throw error;
  }
  return {
    model: used,
    state: next,
    configured,
    report: {
      version: active,
      ...(installed?.rolloutId ? { rolloutId: installed.rolloutId } : {}),
      state: 'rolled-back',
      code: failure.code,
      reason: `at start-up: ${failure.message}`.slice(0, 1000),
    },
  };
}
