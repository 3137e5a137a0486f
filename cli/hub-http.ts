/**
 * The CLI's HTTP client for a hub (`cxr publish`, `cxr rollout`): hub errors come back as CxrErrors with
 * the hub's code (4xx: input, exit 2; 5xx: internal, exit 1); a hub that cannot be reached is
 * CXR_ERR_CLI_HUB_UNREACHABLE. `hubSession` logs in through the session API and sends the CSRF header.
 */
import { CxrError } from '../models/errors.ts';

export function hubBaseUrl(hub: string | undefined): string {
  if (!hub || !/^https?:\/\/[^/]+/.test(hub)) {
    throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', '--hub must be the hub URL, e.g. https://hub.example.org:8443');
  }
  return hub.replace(/\/+$/, '');
}

export async function hubFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (cause) {
    const detail = (cause as Error & { cause?: Error }).cause?.message ?? (cause as Error).message;
    throw new CxrError('CXR_ERR_CLI_HUB_UNREACHABLE', `cannot reach the hub at ${new URL(url).origin}: ${detail}`, {
      kind: 'internal',
      cause,
    });
  }
}

/** The JSON body of a 2xx response; otherwise the hub's `{error:{code,message}}` as a CxrError. */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (cause) {
    throw new CxrError('CXR_ERR_INTERNAL', `the hub answered HTTP ${response.status} with non-JSON`, {
      kind: 'internal',
      cause,
    });
  }
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  throw new CxrError(error?.code ?? 'CXR_ERR_INTERNAL', error?.message ?? `HTTP ${response.status}`, {
    kind: response.status < 500 ? 'input' : 'internal',
  });
}

export interface HubSession {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T>;
}

/** Logs in as `user` (password from `CXR_HUB_PASSWORD`). */
export async function hubSession(
  hub: string,
  user: string | undefined,
  password: string | undefined,
): Promise<HubSession> {
  const base = hubBaseUrl(hub);
  if (!user) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'missing --user <admin>');
  if (!password) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'set the password in the environment: CXR_HUB_PASSWORD');
  const response = await hubFetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  const { csrf } = await readJson<{ csrf: string }>(response);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return {
    get: async (path) => readJson(await hubFetch(`${base}${path}`, { headers: { cookie } })),
    send: async (method, path, body) =>
      readJson(
        await hubFetch(`${base}${path}`, {
          method,
          headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
  };
}
