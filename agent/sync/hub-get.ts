/**
 * One GET to the hub's agent API (hub-http.ts: the agent's own login, the CA of the pixel uploads). In: those
 * options, a path and, optionally, the ETag of the copy in hand (`If-None-Match`). Out: the status, the `etag` header and the body bytes;
 * HTTP error statuses are returned, not thrown (the caller decides what each means). No answer within `timeoutMs`,
 * a refused connection or a body over `maxBytes` throws CXR_ERR_AGENT_HUB_POLL_FAILED (kind internal); the caller
 * retries with backoff.
 */
import { CxrError } from '../../models/errors.ts';
import { type HubHttpOptions, hubRequest } from './hub-http.ts';

export type HubGetOptions = HubHttpOptions;

export interface HubAnswer {
  status: number;
  etag: string | undefined;
  body: Buffer;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function hubGet(
  options: HubGetOptions,
  path: string,
  etag?: string,
  maxBytes = MAX_BODY_BYTES,
): Promise<HubAnswer> {
  const headers = { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) };
  try {
    const answer = await hubRequest(options, 'GET', path, headers, undefined, maxBytes);
    return { status: answer.status, etag: answer.headers.etag || undefined, body: answer.body };
  } catch (error) {
    throw new CxrError('CXR_ERR_AGENT_HUB_POLL_FAILED', (error as Error).message, { kind: 'internal', cause: error });
  }
}
