/**
 * Dashboard accounts and their sessions. Passwords are scrypt hashes; a session cookie holds a random
 * token of which only the sha256 is stored, next to the session's CSRF token. Sessions live in the
 * database, so any hub process sharing it can serve a logged-in user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { verifyPassword } from '../auth/password.ts';
import type { HubDb } from '../db/database.ts';

export type Role = 'radiologist' | 'admin';

export interface User {
  username: string;
  role: Role;
}

export interface Session {
  user: User;
  csrf: string;
  expiresMs: number;
}

export interface UsersStore {
  /** Creates or replaces an account (password already hashed). */
  upsert(username: string, role: Role, passwordHash: string, now: Date): Promise<'created' | 'updated' | 'unchanged'>;
  get(username: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  check(username: string, password: string): Promise<User | undefined>;
  openSession(
    username: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<{ token: string; csrf: string; expiresMs: number }>;
  session(token: string, nowMs: number): Promise<Session | undefined>;
  closeSession(token: string): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Checked when the username is unknown, so response time does not reveal which usernames exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function createUsersStore(db: HubDb): UsersStore {
  const { kysely } = db;
  const byName = (username: string) =>
    kysely
      .selectFrom('users')
      .select(['username', 'role', 'password_hash'])
      .where('username', '=', username)
      .executeTakeFirst();

  return {
    async upsert(username, role, passwordHash, now) {
      const before = await byName(username);
      if (before && before.role === role && before.password_hash === passwordHash) return 'unchanged';
      await kysely
        .insertInto('users')
        .values({ username, role, password_hash: passwordHash, created_at: now.toISOString() })
        .onConflict((oc) =>
          oc.column('username').doUpdateSet((eb) => ({
            role: eb.ref('excluded.role'),
            password_hash: eb.ref('excluded.password_hash'),
          })),
        )
        .execute();
      return before ? 'updated' : 'created';
    },
    async get(username) {
      const row = await byName(username);
      return row ? { username: row.username, role: row.role } : undefined;
    },
    list: () => kysely.selectFrom('users').select(['username', 'role']).orderBy('username').execute(),
    async check(username, password) {
      const row = await byName(username);
      if (row === undefined) {
        verifyPassword(password, DUMMY_HASH);
        return undefined;
      }
      return verifyPassword(password, row.password_hash) ? { username: row.username, role: row.role } : undefined;
    },
    async openSession(username, ttlMs, nowMs) {
      await kysely.deleteFrom('sessions').where('expires_ms', '<=', nowMs).execute();
      const token = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      const expiresMs = nowMs + ttlMs;
      await kysely
        .insertInto('sessions')
        .values({ token_sha256: sha256(token), username, csrf, expires_ms: expiresMs })
        .execute();
      return { token, csrf, expiresMs };
    },
    async session(token, nowMs) {
      const row = await kysely
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.username', 's.username')
        .select(['s.csrf', 's.expires_ms', 'u.username', 'u.role'])
        .where('s.token_sha256', '=', sha256(token))
        .where('s.expires_ms', '>', nowMs)
        .executeTakeFirst();
      return row
        ? { user: { username: row.username, role: row.role }, csrf: row.csrf, expiresMs: row.expires_ms }
        : undefined;
    },
    async closeSession(token) {
      await kysely.deleteFrom('sessions').where('token_sha256', '=', sha256(token)).execute();
    },
  };
}
