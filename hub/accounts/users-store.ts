/**
 * Dashboard accounts and their sessions. Passwords are scrypt hashes; a session cookie holds a random
 * token of which only the sha256 is stored, next to the session's CSRF token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { verifyPassword } from '../auth/password.ts';
import type { HubDb } from './db.ts';

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
  upsert(username: string, role: Role, passwordHash: string, now: Date): 'created' | 'updated' | 'unchanged';
  get(username: string): User | undefined;
  list(): User[];
  check(username: string, password: string): User | undefined;
  openSession(username: string, ttlMs: number, nowMs: number): { token: string; csrf: string; expiresMs: number };
  session(token: string, nowMs: number): Session | undefined;
  closeSession(token: string): void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createUsersStore(db: HubDb): UsersStore {
  const upsert = db.prepare(
    `INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
  );
  const byName = db.prepare('SELECT username, role, password_hash FROM users WHERE username = ?');
  const all = db.prepare('SELECT username, role FROM users ORDER BY username');
  const insertSession = db.prepare(
    'INSERT INTO sessions (token_sha256, username, csrf, expires_ms) VALUES (?, ?, ?, ?)',
  );
  const findSession = db.prepare(
    `SELECT s.csrf, s.expires_ms, u.username, u.role FROM sessions s JOIN users u ON u.username = s.username
     WHERE s.token_sha256 = ? AND s.expires_ms > ?`,
  );
  const deleteSession = db.prepare('DELETE FROM sessions WHERE token_sha256 = ?');
  const deleteExpired = db.prepare('DELETE FROM sessions WHERE expires_ms <= ?');

  return {
    upsert(username, role, passwordHash, now) {
      const before = byName.get(username) as { role: Role; password_hash: string } | undefined;
      if (before && before.role === role && before.password_hash === passwordHash) return 'unchanged';
      upsert.run(username, role, passwordHash, now.toISOString());
      return before ? 'updated' : 'created';
    },
    get(username) {
      const row = byName.get(username) as { username: string; role: Role } | undefined;
      return row ? { username: row.username, role: row.role } : undefined;
    },
    list: () => all.all() as User[],
    check(username, password) {
      const row = byName.get(username) as { username: string; role: Role; password_hash: string } | undefined;
      if (row === undefined) {
        // Same work as a real check, so response time does not reveal which usernames exist.
        verifyPassword(
          password,
          'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        );
        return undefined;
      }
      return verifyPassword(password, row.password_hash) ? { username: row.username, role: row.role } : undefined;
    },
    openSession(username, ttlMs, nowMs) {
      deleteExpired.run(nowMs);
      const token = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      const expiresMs = nowMs + ttlMs;
      insertSession.run(sha256(token), username, csrf, expiresMs);
      return { token, csrf, expiresMs };
    },
    session(token, nowMs) {
      const row = findSession.get(sha256(token), nowMs) as
        | { csrf: string; expires_ms: number; username: string; role: Role }
        | undefined;
      return row
        ? { user: { username: row.username, role: row.role }, csrf: row.csrf, expiresMs: row.expires_ms }
        : undefined;
    },
    closeSession(token) {
      deleteSession.run(sha256(token));
    },
  };
}
