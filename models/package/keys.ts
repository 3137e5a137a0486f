/**
 * Ed25519 publisher keys (node:crypto): generate, fingerprint, sign and verify detached signatures.
 *
 * Keys are PEM: private PKCS#8, public SPKI. A key id is the first 16 hex digits of the sha256 of the
 * public key's DER (SPKI) bytes, so the same key always has the same id whatever its PEM line breaks.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { CxrError } from '../errors.ts';

export interface KeyPairPem {
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

function badKey(what: string, cause: unknown): CxrError {
  return new CxrError('CXR_ERR_KEY_INVALID', `${what} is not an Ed25519 PEM key`, { kind: 'input', cause });
}

/** Short fingerprint of a public key (also accepts a private key: its public half is used). */
export function keyId(keyPem: string): string {
  let der: Buffer;
  try {
    der = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  } catch (cause) {
    throw badKey('key', cause);
  }
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function publicKeyOf(privateKeyPem: string): string {
  try {
    return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  } catch (cause) {
    throw badKey('private key', cause);
  }
}

/** Detached Ed25519 signature over `bytes`, base64. */
export function signBytes(bytes: Uint8Array, privateKeyPem: string): string {
  try {
    return sign(null, bytes, privateKeyPem).toString('base64');
  } catch (cause) {
    throw badKey('private key', cause);
  }
}

export function verifyBytes(bytes: Uint8Array, signatureBase64: string, publicKeyPem: string): boolean {
  const text = signatureBase64.replace(/\n$/, '');
  const signature = Buffer.from(text, 'base64');
  // Node's base64 decoder ignores stray characters and padding: insist on the canonical encoding.
  if (signature.length !== 64 || signature.toString('base64') !== text) return false;
  try {
    return verify(null, bytes, publicKeyPem, signature);
  } catch (cause) {
    throw badKey('trusted public key', cause);
  }
}
