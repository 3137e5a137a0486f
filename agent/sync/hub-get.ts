/**
 * One GET to the hub's agent API over HTTP(S) with the agent's own login: HTTP Basic with its MQTT username and
 * password and the CA of the pixel uploads, the options hub-upload-client.ts takes. In: those options, a path and,
 * optionally, the ETag of the copy in hand (`If-None-Match`). Out: the status, the `etag` header and the body bytes;
 * HTTP error statuses are returned, not thrown (the caller decides what each means). No answer within `timeoutMs`,
 * a refused connection or a body over `maxBytes` throws CXR_ERR_AGENT_HUB_POLL_FAILED (kind internal); the caller
 * retries with backoff.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CxrError } from '../../models/errors.ts';
import type { UploadClientOptions } from './hub-upload-client.ts';

export type HubGetOptions = Pick<UploadClientOptions, 'hubUrl' | 'username' | 'password' | 'ca' | 'timeoutMs'>;

export interface HubAnswer {
  status: number;
  etag: string | undefined;
  body: Buffer;
}

const MAX_BODY_BYTES = 1024 * 1024;

function pollFailed(message: string, cause?: unknown): CxrError {
  return new CxrError('CXR_ERR_AGENT_HUB_POLL_FAILED', message, { kind: 'internal', cause });
}

export function hubGet(options: HubGetOptions, path: string, etag?: string, maxBytes = MAX_BODY_BYTES) {
  const url = new URL(path, options.hubUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const auth = Buffer.from(`${options.username}:${options.password}`).toString('base64');
  return new Promise<HubAnswer>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          authorization: `Basic ${auth}`,
          accept: 'application/json',
          ...(etag ? { 'if-none-match': etag } : {}),
        },
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: options.timeoutMs,
      },
      (res) => {
        const parts: Buffer[] = [];
        let bytes = 0;
        res.on('data', (part: Buffer) => {
          bytes += part.length;
          if (bytes <= maxBytes) {
            parts.push(part);
            return;
          }
          reject(pollFailed(`the hub's answer is over ${maxBytes} bytes`));
          res.destroy();
        });
        res.on('error', (error) => reject(pollFailed(`the hub's answer broke off: ${error.message}`, error)));
        res.on('end', () => {
          const header = res.headers.etag;
          resolve({ status: res.statusCode ?? 0, etag: header || undefined, body: Buffer.concat(parts) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => reject(pollFailed(`hub request failed: ${error.message}`, error)));
    req.end();
  });
}
