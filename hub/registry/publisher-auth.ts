/**
 * Publisher tokens: `authorization: Bearer <token>`, checked against the scrypt hashes in config
 * `publishers[]`. Every configured hash is tried (constant-time each), so timing does not tell which
 * publisher a near-miss was close to.
 */
import type { FastifyRequest } from 'fastify';
import { verifyPassword } from '../auth/password.ts';

export interface Publisher {
  name: string;
  tokenHash: string;
}

export type PublisherCheck = (request: FastifyRequest) => string | undefined;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  return match?.[1];
}

/** The publisher's name when the request carries a valid publisher token. */
export function createPublisherCheck(publishers: readonly Publisher[]): PublisherCheck {
  return (request) => {
    const token = bearerToken(request);
    if (token === undefined) return undefined;
    let name: string | undefined;
    for (const publisher of publishers) {
      if (verifyPassword(token, publisher.tokenHash) && name === undefined) name = publisher.name;
    }
    return name;
  };
}
