/** Shared steps for the trainer CLI tests: run `cxr` as a child process on the sample images. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../../models/package/keys.ts';
import { type CxrRun, runCxr } from '../support/cxr-cli.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLES_CSV = join(ROOT, 'models/samples/nih/labels.csv');
export const TINY = ['--alpha', '0.5', '--phi', '1', '--width', '0.0625', '--stages', '3', '--resolution', '32'];

/** `cxr` with the repository root as its working directory. */
export const cxr = (args: string[]) => runCxr(args, { cwd: ROOT });

export async function prepareTiny(work: string): Promise<string> {
  const cache = join(work, 'cache');
  const r = await cxr([
    'train',
    'prepare',
    '--data',
    SAMPLES_CSV,
    '--cache',
    cache,
    '--val',
    '0.3',
    '--test',
    '0.3',
    '--resolution',
    '32',
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`prepare failed: ${r.stderr}`);
  return cache;
}

export async function trainTiny(work: string, cache: string): Promise<string> {
  const out = join(work, 'run');
  const r = await cxr([
    'train',
    '--cache',
    cache,
    '--out',
    out,
    ...TINY,
    '--epochs',
    '1',
    '--batch',
    '4',
    '--backend',
    'wasm',
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`train failed: ${r.stderr}`);
  return out;
}

/** Exports a signed package with a fresh key; returns the package dir and the public key file for --trust. */
export async function exportTiny(
  work: string,
  cache: string,
  run: string,
): Promise<{ pkg: string; pub: string; run: CxrRun }> {
  const keys = generateKeyPair();
  const key = join(work, 'key.pem');
  const pub = join(work, 'key.pub.pem');
  await writeFile(key, keys.privateKeyPem);
  await writeFile(pub, keys.publicKeyPem);
  const pkg = join(work, 'pkg');
  const r = await cxr([
    'export',
    '--run',
    run,
    '--cache',
    cache,
    '--out',
    pkg,
    '--key',
    key,
    '--name',
    'tiny',
    '--version',
    '0.0.1',
    '--json',
  ]);
  return { pkg, pub, run: r };
}
