/**
 * ETags for the JSON answers agents poll (GET /api/agents/:site/:agent/desired and …/calibration). In: what
 * identifies an answer (any JSON value). Out: `etagOf` gives a strong ETag, a sha256 of its JSON text;
 * `matchesEtag` says whether a request's If-None-Match names it (RFC 9110 §13.1.2: a list, `*`, weak comparison),
 * so the route answers 304 without a body. A malformed header simply does not match. `withEtag` does both for a
 * route: sets the ETag and answers 304 or the body.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

function etagOf(identity: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(identity)).digest('base64url')}"`;
}

function matchesEtag(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const tags = (Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch).split(',');
  return tags.some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** Sets the answer's ETag (from `identity`) and answers 304 when the request already has it, else `body`. */
export function withEtag<T>(
  ifNoneMatch: string | string[] | undefined,
  reply: FastifyReply,
  identity: unknown,
  body: T,
): T | FastifyReply {
  const etag = etagOf(identity);
  reply.header('etag', etag);
  return matchesEtag(ifNoneMatch, etag) ? reply.code(304).send(null) : body;
}
