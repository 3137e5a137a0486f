/**
 * The model the agent scores with: a signed package verified against the trusted keys folder, opened on the
 * configured runtime (`auto`: OpenVINO first, ONNX Runtime fallback) in throughput mode, and self-tested on
 * the manifest's golden cases before it scores anything. Any failure here stops the agent at start-up
 * (CXR_ERR_PACKAGE_*, CXR_ERR_MODEL_SELFTEST_FAILED, CXR_ERR_AGENT_NO_TRUSTED_KEYS).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { loadModelPackage } from '../../models/package/load-package.ts';
import type { Manifest } from '../../models/package/manifest.ts';
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

export async function readTrustedKeys(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((cause: unknown) => {
    throw new CxrError('CXR_ERR_AGENT_NO_TRUSTED_KEYS', `cannot read the trusted keys folder ${dir}`, { cause });
  });
  const pems = await Promise.all(
    names.filter((n) => n.endsWith('.pem') || n.endsWith('.pub')).map((n) => readFile(join(dir, n), 'utf8')),
  );
  const keys = pems.filter((pem) => pem.includes('PUBLIC KEY'));
  if (keys.length === 0) {
    throw new CxrError('CXR_ERR_AGENT_NO_TRUSTED_KEYS', `no public keys (*.pem) in the trusted keys folder ${dir}`);
  }
  return keys;
}

export async function loadActiveModel(config: AgentConfig['model'], log: Logger): Promise<ActiveModel> {
  const trustedPublicKeysPem = await readTrustedKeys(config.trustedKeysDir);
  const pkg = await loadModelPackage(config.dir, { trustedPublicKeysPem });
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
