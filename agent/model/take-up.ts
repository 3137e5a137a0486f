/**
 * The steps that turn a desired version into a self-tested candidate model beside the current one
 * (docs/rollout.md "Agent"). In: a validated `model/desired` message and where its package is (download or
 * disk). Out: an opened, self-tested `ActiveModel` that scores nothing yet (shadow and switch are the model
 * manager's). Each step is reported through `step()`: `downloading` (bytes/totalBytes, throttled),
 * `verifying` (unpack into a staging folder, signature against the pinned keys, manifest, model hash,
 * version; then renamed to `<dataDir>/models/<version>/`), `self-test` (open with the agent's runtime
 * options, golden cases).
 *
 * Failures throw a CxrError with the step's code (CXR_ERR_AGENT_MODEL_*, CXR_ERR_PACKAGE_*,
 * CXR_ERR_MODEL_SELFTEST_FAILED, …) and leave no session open; an abort rethrows the signal's reason.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { loadModelPackage, type ModelPackage } from '../../models/package/load-package.ts';
import { MODEL_FILE } from '../../models/package/package-files.ts';
import { unpackTar } from '../../models/package/tar.ts';
import type { ModelDesired, ModelStateMessage } from '../../protocol/messages.ts';
import type { AgentConfig } from '../config.ts';
import { type ActiveModel, openSelfTested } from './active-model.ts';
import { downloadPackage } from './download-package.ts';
import type { ModelStore } from './model-store.ts';
import { type InstalledVersion, progressDue } from './take-up-policy.ts';

export type StepReport = Pick<ModelStateMessage, 'state' | 'bytes' | 'totalBytes' | 'agreement' | 'shadowImages'>;

export interface TakeUpDeps {
  store: ModelStore;
  modelConfig: AgentConfig['model'];
  trustedPublicKeysPem: readonly string[];
  /** Where a version's package directory is on disk (installed or the configured `model.dir`), if anywhere. */
  dirFor(version: string): string | undefined;
  /** Called once a downloaded package is verified and in place (the manager records it for pruning). */
  installed(entry: InstalledVersion): Promise<void>;
  download: { ca?: Buffer; idleTimeoutMs: number; progressIntervalMs: number };
  step(report: StepReport): void;
  log: Logger;
  now(): number;
}

/** The package's manifest must name the version (and name, when given) the hub asked for. */
function checkIdentity(pkg: ModelPackage, desired: ModelDesired): void {
  const { name, version } = pkg.manifest;
  if (version !== desired.version || (desired.name !== undefined && name !== desired.name)) {
    throw new CxrError(
      'CXR_ERR_AGENT_MODEL_VERSION_MISMATCH',
      `package is ${name} ${version}, the desired message asks for ${desired.name ?? name} ${desired.version}`,
    );
  }
}

async function download(desired: ModelDesired, deps: TakeUpDeps, signal: AbortSignal): Promise<string> {
  const partPath = deps.store.partPath(desired.sha256);
  let lastAt: number | undefined;
  deps.step({ state: 'downloading', bytes: 0, totalBytes: desired.sizeBytes });
  await downloadPackage({
    url: desired.url,
    sha256: desired.sha256,
    sizeBytes: desired.sizeBytes,
    partPath,
    ...(deps.download.ca ? { ca: deps.download.ca } : {}),
    idleTimeoutMs: deps.download.idleTimeoutMs,
    signal,
    onProgress: (bytes, totalBytes) => {
      const now = deps.now();
      if (!progressDue(lastAt, now, deps.download.progressIntervalMs, bytes === totalBytes)) return;
      lastAt = now;
      deps.step({ state: 'downloading', bytes, totalBytes });
    },
  });
  return partPath;
}

/** Unpacks and verifies the downloaded `.tar` in a staging folder, then moves it into place. */
async function install(desired: ModelDesired, partPath: string, deps: TakeUpDeps): Promise<ModelPackage> {
  const staging = await deps.store.makeStagingDir();
  let pkg: ModelPackage;
  try {
    await unpackTar(await readFile(partPath), staging);
    pkg = await loadModelPackage(staging, { trustedPublicKeysPem: deps.trustedPublicKeysPem });
    checkIdentity(pkg, desired);
  } catch (error) {
    await deps.store.removePath(staging);
    await deps.store.removePath(partPath); // these bytes match the sha256 and still fail: never resume them
    throw error;
  }
  const dir = await deps.store.install(staging, desired.version);
  await deps.store.removePath(partPath);
  await deps.installed({
    version: desired.version,
    sha256: desired.sha256,
    ...(desired.rolloutId ? { rolloutId: desired.rolloutId } : {}),
    installedAt: new Date(deps.now()).toISOString(),
  });
  return { ...pkg, dir, modelPath: join(dir, MODEL_FILE) };
}

async function fromDisk(desired: ModelDesired, deps: TakeUpDeps): Promise<ModelPackage> {
  const dir = deps.dirFor(desired.version);
  if (dir === undefined) {
    throw new CxrError('CXR_ERR_AGENT_MODEL_STORE', `model ${desired.version} is no longer on disk`, {
      kind: 'internal',
    });
  }
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: deps.trustedPublicKeysPem });
  checkIdentity(pkg, desired);
  return pkg;
}

export async function takeUp(
  desired: ModelDesired,
  source: 'download' | 'disk',
  deps: TakeUpDeps,
  signal: AbortSignal,
): Promise<ActiveModel> {
  let pkg: ModelPackage;
  if (source === 'download') {
    const partPath = await download(desired, deps, signal);
    deps.step({ state: 'verifying' });
    pkg = await install(desired, partPath, deps);
  } else {
    deps.step({ state: 'verifying' });
    pkg = await fromDisk(desired, deps);
  }
  signal.throwIfAborted();
  deps.step({ state: 'self-test' });
  const model = await openSelfTested(pkg, deps.modelConfig, deps.log);
  if (signal.aborted) {
    await model.session.close();
    throw signal.reason;
  }
  return model;
}
