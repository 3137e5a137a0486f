/** Who is signed in, with the site settings the hub sends along; log in and out. */
import { ApiError, call, setCsrf } from './http.ts';
import type { SessionBody } from './types.ts';

export interface User {
  username: string;
  role: 'radiologist' | 'admin';
  isAdmin: boolean;
  settings: SessionBody['settings'];
}

function toUser(session: SessionBody): User {
  setCsrf(session.csrf);
  return { ...session.user, isAdmin: session.user.role === 'admin', settings: session.settings };
}

export async function currentUser(): Promise<User | null> {
  try {
    return toUser(await call<SessionBody>('GET', '/api/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logIn(username: string, password: string): Promise<User> {
  return toUser(await call<SessionBody>('POST', '/api/session', { username, password }));
}

export async function logOut(): Promise<void> {
  await call('DELETE', '/api/session');
  setCsrf('');
}
