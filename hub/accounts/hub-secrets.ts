/**
 * Secrets the hub makes for itself, generated once and kept in its database (so they survive restarts
 * and every hub process sharing the database uses the same): `capability` keys the per-agent download
 * tokens (hub/registry/capability-token.ts).
 */
import { randomBytes } from 'node:crypto';
import type { HubDb } from '../db/database.ts';

export type HubSecretName = 'capability';

/** The named secret (32 random bytes), created on first use; the first writer wins a race. */
export async function hubSecret(db: HubDb, name: HubSecretName, now: Date): Promise<Buffer> {
  await db.kysely
    .insertInto('hub_secrets')
    .values({ name, value: randomBytes(32).toString('base64'), created_at: now.toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.kysely
    .selectFrom('hub_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
