/**
 * Session loading (root hook) and per-route guards. A request carries its session in the HttpOnly,
 * SameSite=Strict `cxr_session` cookie. State changes also need the session's CSRF token in the
 * `x-csrf-token` header and a JSON body, so a cross-site form cannot forge one.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { Role, Session, UsersStore } from './users-store.ts';

export const SESSION_COOKIE = 'cxr_session';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
  }
}

export function installSessionLoader(app: HubApp, users: UsersStore, nowMs: () => number): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    request.session = token ? ((await users.session(token, nowMs())) ?? null) : null;
  });
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `radiologist` admits radiologists and admins; `admin` admits admins only. */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const session = request.session;
    if (!session) throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'log in first');
    if (role === 'admin' && session.user.role !== 'admin') {
      throw httpError('CXR_ERR_HUB_FORBIDDEN', 'this needs the admin role');
    }
    if (!SAFE.has(request.method) && request.headers['x-csrf-token'] !== session.csrf) {
      throw httpError('CXR_ERR_HUB_CSRF', 'missing or wrong x-csrf-token header');
    }
  };
}

/** The session of a guarded request (the guard has already refused requests without one). */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'log in first');
  return request.session;
}
