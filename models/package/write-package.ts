/**
 * Writes a signed model package directory: model.onnx, manifest.json (with `modelSha256` and
 * `publisherKeyId` filled in) and `signature` (detached Ed25519 over the exact manifest.json bytes, base64).
 * A manifest that does not match the schema throws CXR_ERR_PACKAGE_MANIFEST_INVALID before anything is written.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CxrError } from '../errors.ts';
import { keyId, signBytes } from './keys.ts';
import type { Manifest } from './manifest.ts';
import { checkManifest, manifestBytes } from './manifest-check.ts';
import { MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE } from './package-files.ts';

export type UnsignedManifest = Omit<Manifest, 'modelSha256' | 'publisherKeyId'>;

export interface WritePackageInput {
  onnx: Uint8Array;
  manifest: UnsignedManifest;
  privateKeyPem: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeSigned(dir: string, manifest: Manifest, privateKeyPem: string): Promise<void> {
  const bytes = manifestBytes(checkManifest(manifest));
  const signature = signBytes(bytes, privateKeyPem);
  await writeFile(join(dir, MANIFEST_FILE), bytes);
  await writeFile(join(dir, SIGNATURE_FILE), `${signature}\n`);
}

export async function writeModelPackage(dir: string, input: WritePackageInput): Promise<void> {
  const manifest: Manifest = {
    ...input.manifest,
    modelSha256: sha256Hex(input.onnx),
    publisherKeyId: keyId(input.privateKeyPem),
  };
  checkManifest(manifest);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), input.onnx);
  await writeSigned(dir, manifest, input.privateKeyPem);
}

/**
 * (Re-)signs an existing package directory with another key: recomputes the model hash, sets the
 * publisher key id and writes a new signature. Used by `cxr keys sign`.
 */
export async function signModelPackage(dir: string, privateKeyPem: string): Promise<{ keyId: string; sha256: string }> {
  let onnx: Buffer;
  let parsed: unknown;
  try {
    onnx = await readFile(join(dir, MODEL_FILE));
    parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  } catch (cause) {
    throw new CxrError('CXR_ERR_PACKAGE_MISSING_FILE', `cannot read ${MODEL_FILE} and ${MANIFEST_FILE}`, { cause });
  }
  const id = keyId(privateKeyPem);
  const manifest = { ...(parsed as Manifest), modelSha256: sha256Hex(onnx), publisherKeyId: id };
  await writeSigned(dir, manifest, privateKeyPem);
  return { keyId: id, sha256: manifest.modelSha256 };
}
