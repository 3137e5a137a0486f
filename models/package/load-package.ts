/**
 * Loads a model package directory and verifies it: all files present, manifest signed by a trusted
 * publisher key (detached Ed25519 over the exact manifest.json bytes), manifest valid, sha256 of
 * model.onnx as the manifest says. The runtime self-test is separate (models/runtime/self-test.ts).
 *
 * Failures: CXR_ERR_PACKAGE_MISSING_FILE, CXR_ERR_PACKAGE_UNTRUSTED_KEY, CXR_ERR_PACKAGE_SIGNATURE_INVALID,
 * CXR_ERR_PACKAGE_MANIFEST_INVALID, CXR_ERR_PACKAGE_HASH_MISMATCH (all kind 'input').
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CxrError } from '../errors.ts';
import { keyId, verifyBytes } from './keys.ts';
import type { Manifest } from './manifest.ts';
import { checkManifest } from './manifest-check.ts';
import { MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE } from './package-files.ts';
import { sha256Hex } from './write-package.ts';

export interface ModelPackage {
  dir: string;
  manifest: Manifest;
  modelPath: string;
  onnxBytes: Uint8Array;
  /** keyId() of the trusted key that verified the signature. */
  publisherKeyId: string;
}

export interface LoadPackageOptions {
  trustedPublicKeysPem: readonly string[];
}

async function readPart(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (cause) {
    throw new CxrError('CXR_ERR_PACKAGE_MISSING_FILE', `model package has no readable ${name}`, { cause });
  }
}

function claimedKeyId(manifestBytes: Buffer): string | undefined {
  try {
    const id = (JSON.parse(manifestBytes.toString('utf8')) as { publisherKeyId?: unknown }).publisherKeyId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined; // unparseable: the signature check below rejects it
  }
}

/** Returns the id of the trusted key whose signature verifies, or throws. */
function verifySignature(manifestBytes: Buffer, signature: string, trusted: readonly string[]): string {
  const keys = new Map(trusted.map((pem) => [keyId(pem), pem]));
  if (keys.size === 0) {
    throw new CxrError('CXR_ERR_PACKAGE_UNTRUSTED_KEY', 'no trusted publisher keys are configured');
  }
  const claimed = claimedKeyId(manifestBytes);
  if (claimed !== undefined && !keys.has(claimed)) {
    throw new CxrError('CXR_ERR_PACKAGE_UNTRUSTED_KEY', `package is signed by key ${claimed}, which is not trusted`);
  }
  const candidates = claimed === undefined ? [...keys] : [[claimed, keys.get(claimed) as string] as const];
  for (const [id, pem] of candidates) {
    if (verifyBytes(manifestBytes, signature, pem)) return id;
  }
  throw new CxrError(
    'CXR_ERR_PACKAGE_SIGNATURE_INVALID',
    'signature does not verify: manifest.json or signature was altered, or signed with another key',
  );
}

export async function loadModelPackage(dir: string, options: LoadPackageOptions): Promise<ModelPackage> {
  const root = resolve(dir);
  const manifestBytes = await readPart(root, MANIFEST_FILE);
  const signature = (await readPart(root, SIGNATURE_FILE)).toString('utf8');
  const onnxBytes = await readPart(root, MODEL_FILE);
  const publisherKeyId = verifySignature(manifestBytes, signature, options.trustedPublicKeysPem);
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestBytes.toString('utf8'));
  } catch (cause) {
    throw new CxrError('CXR_ERR_PACKAGE_MANIFEST_INVALID', 'manifest.json is not JSON', { cause });
  }
  const manifest = checkManifest(parsed);
  const actual = sha256Hex(onnxBytes);
  if (actual !== manifest.modelSha256) {
    throw new CxrError(
      'CXR_ERR_PACKAGE_HASH_MISMATCH',
      `model.onnx sha256 ${actual.slice(0, 12)}… differs from the manifest's ${manifest.modelSha256.slice(0, 12)}…`,
    );
  }
  return { dir: root, manifest, modelPath: join(root, MODEL_FILE), onnxBytes, publisherKeyId };
}
