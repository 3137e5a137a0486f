/**
 * Pseudonymous keys for identifiers that must not leave the clinic (ARCHITECTURE.md, Privacy):
 * HMAC-SHA256 with a per-site secret, full 64 hex digits. Same secret + same value → same key; without
 * the secret the key cannot be reversed or linked across sites. Pure (node:crypto only).
 */
import { createHmac } from 'node:crypto';
import type { ImageIdentifiers } from '../image/types.ts';

export function pseudonymize(secret: string | Buffer, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('hex');
}

export interface PseudonymousKeys {
  study?: string;
  series?: string;
  instance?: string;
  patient?: string;
}

/** Keys for the identifiers that are present; absent identifiers stay absent (never a key of ''). */
export function pseudonymizeIdentifiers(secret: string | Buffer, ids: ImageIdentifiers): PseudonymousKeys {
  const keys: PseudonymousKeys = {};
  // Domain prefixes keep a value that appears as two kinds of identifier from getting the same key.
  if (ids.studyInstanceUid) keys.study = pseudonymize(secret, `study:${ids.studyInstanceUid}`);
  if (ids.seriesInstanceUid) keys.series = pseudonymize(secret, `series:${ids.seriesInstanceUid}`);
  if (ids.sopInstanceUid) keys.instance = pseudonymize(secret, `instance:${ids.sopInstanceUid}`);
  if (ids.patientId) keys.patient = pseudonymize(secret, `patient:${ids.patientId}`);
  return keys;
}
