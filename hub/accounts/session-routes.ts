/**
 * Log in / who am I / log out. Logging in and out are audited (a failed login too, without the password).
 */
import { Type } from '@sinclair/typebox';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AuditStore } from './audit-store.ts';
import { SESSION_COOKIE, sessionOf } from './guards.ts';
import type { UsersStore } from './users-store.ts';

export interface SessionRoutesOptions {
  users: UsersStore;
  audit: AuditStore;
  now: () => Date;
  ttlMs: number;
  secureCookies: boolean;
}

const UserView = Type.Object({
  username: Type.String(),
  role: Type.Union([Type.Literal('radiologist'), Type.Literal('admin')]),
});
const SessionView = Type.Object({ user: UserView, csrf: Type.String(), expiresAt: Type.String() });

export async function sessionRoutes(app: HubApp, options: SessionRoutesOptions) {
  const { users, audit, now } = options;

  app.post(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in; sets the session cookie',
        body: Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 256 }) }),
        response: { 200: SessionView, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await users.check(username, password);
      if (!user) {
        await audit.append({ actor: username, action: 'session.login-failed' }, now());
        throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'wrong username or password');
      }
      const session = await users.openSession(user.username, options.ttlMs, now().getTime());
      await audit.append({ actor: user.username, action: 'session.login', after: { role: user.role } }, now());
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookies,
        expires: new Date(session.expiresMs),
      });
      return { user, csrf: session.csrf, expiresAt: new Date(session.expiresMs).toISOString() };
    },
  );

  app.get(
    '/api/session',
    { schema: { tags: ['session'], summary: 'The current session', response: { 200: SessionView, 401: ErrorBody } } },
    async (request) => {
      const session = sessionOf(request);
      return { user: session.user, csrf: session.csrf, expiresAt: new Date(session.expiresMs).toISOString() };
    },
  );

  app.delete(
    '/api/session',
    { schema: { tags: ['session'], summary: 'Log out', response: { 204: Type.Null(), 401: ErrorBody } } },
    async (request, reply) => {
      const session = sessionOf(request);
      const token = request.cookies[SESSION_COOKIE];
      if (token) await users.closeSession(token);
      await audit.append({ actor: session.user.username, action: 'session.logout' }, now());
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );
}
