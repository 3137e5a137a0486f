/**
 * Log in / who am I / log out, with login protection (docs/hub.md#login-protection): failures are counted per
 * account and per source address (login-throttle.ts); inside a throttle delay or a lockout the password is not
 * even checked (429 CXR_ERR_HUB_LOGIN_THROTTLED / CXR_ERR_HUB_ACCOUNT_LOCKED, Retry-After). Sign-ins, failures
 * and lockouts are audited with the source address and logged (never the password). The session carries the
 * site settings the dashboard needs (evidence map default, claim lifetime).
 */
import { Type } from '@sinclair/typebox';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AuditStore } from './audit-store.ts';
import { SESSION_COOKIE, sessionOf } from './guards.ts';
import type { LoginFailuresStore } from './login-failures-store.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, afterFailure, mayTry, stricter } from './login-throttle.ts';
import type { UsersStore } from './users-store.ts';

export interface SessionSettings {
  activationDefault: 'on' | 'off';
  claimTimeoutS: number;
}

export interface SessionRoutesOptions {
  users: UsersStore;
  audit: AuditStore;
  failures: LoginFailuresStore;
  settings: SessionSettings;
  now: () => Date;
  ttlMs: number;
  secureCookies: boolean;
}

const UserView = Type.Object({
  username: Type.String(),
  role: Type.Union([Type.Literal('radiologist'), Type.Literal('admin')]),
});
const SessionView = Type.Object({
  user: UserView,
  csrf: Type.String(),
  expiresAt: Type.String(),
  settings: Type.Object({
    activationDefault: Type.Union([Type.Literal('on'), Type.Literal('off')]),
    claimTimeoutS: Type.Integer(),
  }),
});

export async function sessionRoutes(app: HubApp, options: SessionRoutesOptions) {
  const { users, audit, failures, now, settings } = options;

  app.post(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in; sets the session cookie',
        body: Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 256 }) }),
        response: { 200: SessionView, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const source = request.ip;
      const accountKey = `user:${username}`;
      const addressKey = `addr:${source}`;
      const at = now();
      const nowMs = at.getTime();
      const [account, address] = await Promise.all([failures.get(accountKey), failures.get(addressKey)]);
      const verdict = stricter(mayTry(account, nowMs, ACCOUNT_POLICY), mayTry(address, nowMs, ADDRESS_POLICY));
      if (!verdict.allowed) {
        request.log.warn({ user: username, source, code: verdict.code }, 'sign-in refused without checking');
        throw httpError(
          verdict.code,
          verdict.code === 'CXR_ERR_HUB_ACCOUNT_LOCKED'
            ? `locked after repeated failures; try again in ${verdict.retryAfterS} s`
            : `wait ${verdict.retryAfterS} s before the next attempt`,
          { retryAfterS: verdict.retryAfterS },
        );
      }
      const user = await users.check(username, password);
      if (!user) {
        const nextAccount = afterFailure(account, nowMs, ACCOUNT_POLICY);
        const nextAddress = afterFailure(address, nowMs, ADDRESS_POLICY);
        await failures.put(accountKey, nextAccount);
        await failures.put(addressKey, nextAddress);
        const locked = nextAccount.lockedUntilMs > nowMs || nextAddress.lockedUntilMs > nowMs;
        await audit.append(
          {
            actor: username,
            action: locked ? 'login.locked' : 'login.failure',
            after: { failures: nextAccount.failures },
            source,
          },
          at,
        );
        request.log.warn({ user: username, source, failures: nextAccount.failures, locked }, 'sign-in failed');
        throw httpError('CXR_ERR_HUB_UNAUTHENTICATED', 'wrong username or password');
      }
      await failures.clear([accountKey, addressKey]);
      const session = await users.openSession(user.username, options.ttlMs, nowMs);
      await audit.append({ actor: user.username, action: 'session.login', after: { role: user.role }, source }, at);
      request.log.info({ user: user.username, source }, 'signed in');
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookies,
        expires: new Date(session.expiresMs),
      });
      return { user, csrf: session.csrf, expiresAt: new Date(session.expiresMs).toISOString(), settings };
    },
  );

  app.get(
    '/api/session',
    { schema: { tags: ['session'], summary: 'The current session', response: { 200: SessionView, 401: ErrorBody } } },
    async (request) => {
      const session = sessionOf(request);
      return {
        user: session.user,
        csrf: session.csrf,
        expiresAt: new Date(session.expiresMs).toISOString(),
        settings,
      };
    },
  );

  app.delete(
    '/api/session',
    { schema: { tags: ['session'], summary: 'Log out', response: { 204: Type.Null(), 401: ErrorBody } } },
    async (request, reply) => {
      const session = sessionOf(request);
      const token = request.cookies[SESSION_COOKIE];
      if (token) await users.closeSession(token);
      await audit.append({ actor: session.user.username, action: 'session.logout', source: request.ip }, now());
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );
}
