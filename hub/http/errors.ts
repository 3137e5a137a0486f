/**
 * One error shape for every route: `{ error: { code, message } }`, status from the error's code/kind.
 * Fastify's own validation errors become CXR_ERR_HUB_BAD_REQUEST (400); a body over the route's limit
 * CXR_ERR_HUB_BODY_TOO_LARGE (413), an unsupported content type CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE (415).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CxrError, isCxrError } from '../../models/errors.ts';

/** `error` may carry details beside code and message (e.g. the undecided classes, the live claim, retryAfterS). */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

const STATUS: Record<string, number> = {
  CXR_ERR_HUB_UNAUTHENTICATED: 401,
  CXR_ERR_HUB_FORBIDDEN: 403,
  CXR_ERR_HUB_CSRF: 403,
  CXR_ERR_HUB_NOT_FOUND: 404,
  CXR_ERR_HUB_MODEL_NOT_FOUND: 404,
  CXR_ERR_HUB_MODEL_VERSION_EXISTS: 409,
  CXR_ERR_HUB_CAPABILITY_INVALID: 403,
  CXR_ERR_HUB_RANGE_NOT_SATISFIABLE: 416,
  CXR_ERR_HUB_ROLLOUT_NOT_FOUND: 404,
  CXR_ERR_HUB_ROLLOUT_STATE: 409,
  CXR_ERR_HUB_ROLLOUT_CONFLICT: 409,
  CXR_ERR_HUB_SHADOW_NOT_FOUND: 404,
  CXR_ERR_HUB_SHADOW_STATE: 409,
  CXR_ERR_HUB_SHADOW_CONFLICT: 409,
  CXR_ERR_HUB_TRAINING_JOB_NOT_FOUND: 404,
  CXR_ERR_HUB_TRAINING_JOB_STATE: 409,
  CXR_ERR_HUB_READ_INCOMPLETE: 422,
  CXR_ERR_HUB_READ_INCONSISTENT: 422,
  CXR_ERR_HUB_READ_INVALID: 422,
  CXR_ERR_HUB_READ_CONFLICT: 409,
  CXR_ERR_HUB_STUDY_CLAIMED: 409,
  CXR_ERR_HUB_LOGIN_THROTTLED: 429,
  CXR_ERR_HUB_ACCOUNT_LOCKED: 429,
  CXR_ERR_HUB_BODY_TOO_LARGE: 413,
  CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE: 415,
};

/** Fastify's own errors that deserve a code of their own (the rest become CXR_ERR_HUB_BAD_REQUEST). */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'CXR_ERR_HUB_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE',
};

/** An input error; `details` go out beside code and message (never PHI: the hub has none). */
export function httpError(code: string, message: string, details?: Record<string, unknown>): CxrError {
  const error = new CxrError(code, message, { kind: 'input' });
  if (details) Object.assign(error, { details });
  return error;
}

function detailsOf(error: CxrError): Record<string, unknown> {
  const details = (error as CxrError & { details?: unknown }).details;
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}

export function errorHandler(error: FastifyError | CxrError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (isCxrError(error)) {
    const status = STATUS[error.code] ?? (error.kind === 'input' ? 400 : 500);
    if (status >= 500) request.log.error({ code: error.code, err: error.message }, 'request failed');
    const details = detailsOf(error);
    if (typeof details.retryAfterS === 'number') reply.header('retry-after', String(details.retryAfterS));
    return reply.status(status).send({ error: { ...details, ...error.toJSON() } });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation || (fastifyError.statusCode && fastifyError.statusCode < 500)) {
    return reply.status(fastifyError.statusCode ?? 400).send({
      error: { code: FASTIFY_CODES[fastifyError.code] ?? 'CXR_ERR_HUB_BAD_REQUEST', message: fastifyError.message },
    });
  }
  request.log.error({ err: error.message }, 'request failed');
  return reply.status(500).send({ error: { code: 'CXR_ERR_INTERNAL', message: 'internal error' } });
}
