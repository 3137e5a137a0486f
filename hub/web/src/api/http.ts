/**
 * The one place the dashboard talks HTTP: JSON in and out, the session cookie, the CSRF header on every
 * non-GET, and the hub's error shape `{error:{code,message}}` turned into an ApiError.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return null as T;
  const payload = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string; [key: string]: unknown };
  };
  if (!response.ok) {
    const { code, message, ...details } = payload.error ?? { code: 'CXR_ERR_HTTP', message: response.statusText };
    throw new ApiError(response.status, code, message, details);
  }
  return payload as T;
}
