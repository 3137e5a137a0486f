/**
 * Secrets the hub makes for itself, generated once and kept in its database (so they survive restarts):
 * `capability` keys the per-agent download tokens (hub/registry/capability-token.ts).
 */
import { randomBytes } from 'node:crypto';
import type { HubDb } from './db.ts';

export type HubSecretName = 'capability';

/** The named secret (32 random bytes), created on first use. */
export function hubSecret(db: HubDb, name: HubSecretName, now: Date): Buffer {
  db.prepare('INSERT OR IGNORE INTO hub_secrets (name, value, created_at) VALUES (?, ?, ?)').run(
    name,
    randomBytes(32).toString('base64'),
    now.toISOString(),
  );
  const row = db.prepare('SELECT value FROM hub_secrets WHERE name = ?').get(name) as { value: string };
  return Buffer.from(row.value, 'base64');
}
