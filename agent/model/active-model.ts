/**
 * The model the agent scores with: a signed package verified against the trusted keys folder, opened on the
 * configured runtime (`auto`: OpenVINO first, ONNX Runtime fallback) in throughput mode, and self-tested on
 * the manifest's golden cases before it scores anything. Failures: CXR_ERR_PACKAGE_*,
 * CXR_ERR_MODEL_SELFTEST_FAILED, CXR_ERR_AGENT_NO_TRUSTED_KEYS; at start-up they stop the agent unless an
 * earlier version can be used (start-model.ts), during a rollout they fail the take-up (take-up.ts).
 */
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { loadModelPackage, type ModelPackage } from '../../models/package/load-package.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import { DEFAULT_TRUSTED_KEYS_DIR, readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { selfTest } from '../../models/runtime/self-test.ts';
import type { InferenceSession } from '../../models/runtime/types.ts';
import type { AgentConfig } from '../config.ts';

export interface ActiveModel {
  manifest: Manifest;
  session: InferenceSession;
  /** Why this runtime was chosen (openSession's reason). */
  reason: string;
}

/** Every `*.pub.pem` in the configured folder (models/package/trusted-keys.ts); none is a start-up error. */
export async function trustedKeysIn(dir: string): Promise<string[]> {
  const keys = await readTrustedKeys([], { defaultDir: dir });
  if (keys.length === 0) {
    throw new CxrError(
      'CXR_ERR_AGENT_NO_TRUSTED_KEYS',
      `no publisher keys (*.pub.pem) in the trusted keys folder ${dir}`,
    );
  }
  return keys;
}

export async function loadActiveModel(config: AgentConfig['model'], log: Logger): Promise<ActiveModel> {
  const trustedPublicKeysPem = await trustedKeysIn(config.trustedKeysDir ?? DEFAULT_TRUSTED_KEYS_DIR);
  return openSelfTested(await loadModelPackage(config.dir, { trustedPublicKeysPem }), config, log);
}

/**
 * Opens a verified package with the agent's runtime options (throughput mode, cache, OpenVINO library) and
 * runs its golden self-test; the session is closed again when the self-test fails.
 */
export async function openSelfTested(
  pkg: ModelPackage,
  config: AgentConfig['model'],
  log: Logger,
): Promise<ActiveModel> {
  const { session, reason } = await openSession(pkg, {
    runtime: config.runtime,
    mode: 'throughput',
    ...(config.cacheDir ? { cacheDir: config.cacheDir } : {}),
    ...(config.openvinoLib ? { openvinoLibPath: config.openvinoLib } : {}),
    logger: log,
  });
  try {
    const report = await selfTest(session, pkg.manifest);
    log.info(
      { model: pkg.manifest.version, runtime: session.runtime, maxAbsDiff: report.maxAbsDiff },
      'model self-test passed',
    );
  } catch (error) {
    await session.close();
    throw error;
  }
  return { manifest: pkg.manifest, session, reason };
}
