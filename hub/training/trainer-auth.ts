/**
 * Trainer logins (role `trainer`, docs/hub.md#training): a trainer service signs in with its name and password
 * (config `trainers[]`, scrypt hashes) and gets a bearer token; only its sha256 is stored (`trainer_sessions`), so
 * every hub process sharing the database accepts it. A trainer token admits the trainer API only (claim, report,
 * training data, candidate and calibration publishing), never the dashboard's routes; a dashboard session never
 * admits the trainer API. Wrong name or password: CXR_ERR_HUB_UNAUTHENTICATED, audited `trainer.login-failure`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { verifyPassword } from '../auth/password.ts';
import type { HubDb } from '../db/database.ts';
import { httpError } from '../http/errors.ts';
import { bearerToken } from '../registry/publisher-auth.ts';

export interface TrainerLogin {
  name: string;
  passwordHash: string;
}

export interface TrainerAuth {
  /** A new token for a trainer whose password checks, else undefined. */
  login(name: string, password: string, nowMs: number): Promise<{ token: string; expiresMs: number } | undefined>;
  /** The trainer's name for a request carrying a live trainer token; throws CXR_ERR_HUB_UNAUTHENTICATED. */
  trainerOf(request: FastifyRequest, nowMs: number): Promise<string>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DUMMY = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function createTrainerAuth(db: HubDb, trainers: readonly TrainerLogin[], ttlMs: number): TrainerAuth {
  return {
    async login(name, password, nowMs) {
      const entry = trainers.find((t) => t.name === name);
      const ok = verifyPassword(password, entry?.passwordHash ?? DUMMY) && entry !== undefined;
      if (!ok) return undefined;
      await db.kysely.deleteFrom('trainer_sessions').where('expires_ms', '<=', nowMs).execute();
      const token = randomBytes(32).toString('base64url');
      const expiresMs = nowMs + ttlMs;
      await db.kysely
        .insertInto('trainer_sessions')
        .values({ token_sha256: sha256(token), trainer: name, expires_ms: expiresMs })
        .execute();
      return { token, expiresMs };
    },
    async trainerOf(request, nowMs) {
      const token = bearerToken(request);
      const row = token
        ? await db.kysely
            .selectFrom('trainer_sessions')
            .select('trainer')
            .where('token_sha256', '=', sha256(token))
            .where('expires_ms', '>', nowMs)
            .executeTakeFirst()
        : undefined;
      // A trainer removed from the config loses its live tokens too.
      if (!row || !trainers.some((t) => t.name === row.trainer)) {
        throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'trainer token missing, expired or unknown: log in again');
      }
      return row.trainer;
    },
  };
}
