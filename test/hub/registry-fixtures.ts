/**
 * Test data for the registry and rollouts: a hub config with a publisher token and a trusted-keys folder
 * holding a fresh publisher key, and real signed tiny model packages as `.tar` bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../hub/auth/password.ts';
import type { HubConfig } from '../../hub/config.ts';
import { generateKeyPair, type KeyPairPem } from '../../models/package/keys.ts';
import { packTar } from '../../models/package/tar.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import type { StatusMessage } from '../../protocol/messages.ts';
import { hubConfig, statusMessage, tempDir } from './fixtures.ts';

export const PUBLISH_TOKEN = 'publish-token-for-tests-0123456789';
const tokenHash = hashPassword(PUBLISH_TOKEN);
/** Config `publishers[]` accepting PUBLISH_TOKEN as publisher "ci" (fresh objects: parsing freezes them). */
export const publishers = () => [{ name: 'ci', tokenHash }];
export const PUBLISHER_KEYS: KeyPairPem = generateKeyPair();

/** A hub config whose registry trusts PUBLISHER_KEYS and accepts PUBLISH_TOKEN (publisher "ci"). */
export function registryHubConfig(
  overrides: Record<string, unknown> = {},
  agents = [{ site: 'clinic-a', agent: 'xr-1' }],
): HubConfig {
  const keysDir = tempDir('cxr-trusted-keys-');
  writeFileSync(join(keysDir, 'publisher.pub.pem'), PUBLISHER_KEYS.publicKeyPem);
  return hubConfig(
    {
      publishers: publishers(),
      models: { trustedKeysDir: keysDir },
      rollout: { waitS: 0, evaluateIntervalS: 0.2 },
      ...overrides,
    },
    agents,
  );
}

/** A real signed package (tiny DenseNet) as `.tar` bytes; `seed` changes the weights, so the bytes. */
export async function packageTar(
  version: string,
  options: { seed?: number; keyPair?: KeyPairPem; meanAuroc?: number } = {},
): Promise<Buffer> {
  const dir = join(tempDir('cxr-package-'), 'pkg');
  mkdirSync(dir);
  await writeTinyModelPackage(dir, {
    version,
    seed: options.seed ?? 1,
    keyPair: options.keyPair ?? PUBLISHER_KEYS,
    ...(options.meanAuroc !== undefined ? { manifestOverrides: { metrics: { meanAuroc: options.meanAuroc } } } : {}),
  });
  return packTar(dir);
}

/** A status of an agent running `version`. */
export function statusOn(site: string, agent: string, version: string, online = true): StatusMessage {
  return statusMessage(site, agent, { online, model: { version, sha256: 'a'.repeat(64) } });
}
