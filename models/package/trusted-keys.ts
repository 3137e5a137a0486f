/**
 * Reads trusted publisher public keys: every `*.pub.pem` in the repo's `models/trusted-keys/` (unless told
 * not to) plus the given files. An unreadable or non-Ed25519 key throws CXR_ERR_KEY_INVALID.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CxrError } from '../errors.ts';
import { keyId } from './keys.ts';

export const DEFAULT_TRUSTED_KEYS_DIR = fileURLToPath(new URL('../trusted-keys/', import.meta.url));

async function readKey(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CxrError('CXR_ERR_KEY_INVALID', `cannot read key file ${path}`, { cause });
  }
  keyId(pem); // throws CXR_ERR_KEY_INVALID when it is not a key
  return pem;
}

export async function readTrustedKeys(
  extraFiles: readonly string[] = [],
  options: { defaultDir?: string | false } = {},
): Promise<string[]> {
  const dir = options.defaultDir === undefined ? DEFAULT_TRUSTED_KEYS_DIR : options.defaultDir;
  const defaults = dir
    ? (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.pub.pem')).map((n) => join(dir, n))
    : [];
  return Promise.all([...defaults.sort(), ...extraFiles].map(readKey));
}
