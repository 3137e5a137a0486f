/**
 * The errors Fastify answers before any route runs, in the hub's one error shape `{ error: { code, message } }`:
 * no route for the method and path (404 CXR_ERR_HUB_NOT_FOUND; also a dashboard file that does not exist),
 * and a URL that cannot be decoded, such as a stray `%` (400 CXR_ERR_HUB_BAD_REQUEST). Errors inside routes,
 * body parsing included, go through errors.ts.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export function notFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: { code: 'CXR_ERR_HUB_NOT_FOUND', message: `no such route: ${request.method} ${request.url.split('?')[0]}` },
  });
}

/** Fastify's `frameworkErrors` option: a malformed URL (FST_ERR_BAD_URL) or a failed route constraint. */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const badUrl = error.code === 'FST_ERR_BAD_URL';
  return reply.status(badUrl ? 400 : 500).send({
    error: badUrl
      ? { code: 'CXR_ERR_HUB_BAD_REQUEST', message: 'the URL is not valid (bad percent-encoding)' }
      : { code: 'CXR_ERR_INTERNAL', message: 'internal error' },
  });
}
