/**
 * The accounts feature: dashboard users and their sessions (log in / out, the session loader and role
 * guards, login throttling), agents' MQTT credentials, and the audit log every feature appends to. In: the
 * database, the clock and the site settings; out: the stores other features use and the routes (`/api/session`,
 * `/api/audit`).
 */
import type { HubDb } from '../db/database.ts';
import type { HubRoutes } from '../http/plugin.ts';
import type { HubApp } from '../http/type-provider.ts';
import { createAgentCredentialsStore } from './agent-credentials-store.ts';
import { auditRoutes } from './audit-routes.ts';
import { createAuditStore } from './audit-store.ts';
import { installSessionLoader } from './guards.ts';
import { createLoginFailuresStore } from './login-failures-store.ts';
import { type SessionSettings, sessionRoutes } from './session-routes.ts';
import { createUsersStore } from './users-store.ts';

export interface AccountsDeps {
  db: HubDb;
  now: () => Date;
  sessionTtlMs: number;
  secureCookies: boolean;
  /** Site settings handed to the dashboard with the session. */
  settings: SessionSettings;
}

export function createAccounts(deps: AccountsDeps) {
  const { now } = deps;
  const users = createUsersStore(deps.db);
  const audit = createAuditStore(deps.db);
  const credentials = createAgentCredentialsStore(deps.db);
  const routes: HubRoutes = async (app) => {
    await app.register(sessionRoutes, {
      users,
      audit,
      failures: createLoginFailuresStore(deps.db),
      settings: deps.settings,
      now,
      ttlMs: deps.sessionTtlMs,
      secureCookies: deps.secureCookies,
    });
    await app.register(auditRoutes, { audit });
  };
  return {
    users,
    audit,
    credentials,
    /** Root hook: loads the request's session (every feature's guards read it). */
    loadSessions: (app: HubApp) => installSessionLoader(app, users, () => now().getTime()),
    routes,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
