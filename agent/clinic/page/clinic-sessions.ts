/**
 * Logins for the clinic page: users from the agent config (`clinic.users`, scrypt hashes in the same
 * `scrypt$N$r$p$salt$hash` form `cxr hub hash-password` prints), sessions as random tokens kept in memory (a
 * restart logs everyone out), a lifetime, and a pause after failed logins per user name (5 failures → 30 s).
 * In: user name and password, or a session token. Out: the user name, or undefined. A malformed hash never
 * matches. The clock and the token source are passed in.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export interface ClinicUser {
  username: string;
  passwordHash: string;
}

const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Constant-time check of a password against a stored scrypt hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const m = stored.match(HASH);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const expected = Buffer.from(m[5] as string, 'base64');
  if (n > 1 << 20 || r > 64 || p > 16 || expected.length < 16) return false;
  const actual = scryptSync(password, Buffer.from(m[4] as string, 'base64'), expected.length, {
    N: n,
    r,
    p,
    maxmem: 256 * n * r,
  });
  return timingSafeEqual(actual, expected);
}

export class ClinicSessions {
  readonly #users: Map<string, string>;
  readonly #sessions = new Map<string, { username: string; expiresAt: number }>();
  readonly #failures = new Map<string, { count: number; until: number }>();

  constructor(
    users: readonly ClinicUser[],
    readonly ttlMs: number,
    readonly now: () => number,
    readonly token: () => string = () => randomBytes(32).toString('base64url'),
  ) {
    this.#users = new Map(users.map((u) => [u.username, u.passwordHash]));
  }

  get enabled(): boolean {
    return this.#users.size > 0;
  }

  /** A new session token, or undefined (wrong password, unknown user, or paused after failures). */
  login(username: string, password: string): string | undefined {
    const failure = this.#failures.get(username);
    if (failure && failure.until > this.now()) return undefined;
    const stored = this.#users.get(username);
    if (stored === undefined || !verifyPassword(password, stored)) {
      const count = (failure?.count ?? 0) + 1;
      this.#failures.set(username, { count, until: count >= 5 ? this.now() + 30_000 : 0 });
      return undefined;
    }
    this.#failures.delete(username);
    const token = this.token();
    this.#sessions.set(token, { username, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  user(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.#sessions.delete(token);
      return undefined;
    }
    return session.username;
  }

  logout(token: string | undefined): void {
    if (token !== undefined) this.#sessions.delete(token);
  }
}
