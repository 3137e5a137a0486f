/**
 * One request to the hub's agent API over HTTP(S) with the agent's own login (HTTP Basic with its MQTT username
 * and password; the CA of the hub's certificate when given): the transport the pixel upload (hub-upload-client.ts)
 * and the state poll (hub-get.ts) share. In: the options, method, path, headers, an optional body and a cap on the
 * answer's size. Out: the status, headers and body bytes — HTTP error statuses are answers, not failures. No answer
 * within `timeoutMs`, a refused connection, an answer cut off or over `maxBytes` reject with an Error saying so; each
 * caller turns it into its own CXR_ERR_* code.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HubHttpOptions {
  hubUrl: string;
  username: string;
  password: string;
  ca?: Buffer;
  timeoutMs: number;
}

export interface HubHttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function hubRequest(
  options: HubHttpOptions,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: Uint8Array,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<HubHttpAnswer> {
  const url = new URL(path, options.hubUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const auth = Buffer.from(`${options.username}:${options.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          ...headers,
          authorization: `Basic ${auth}`,
          ...(body ? { 'content-length': body.byteLength } : {}),
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
          reject(new Error(`the hub's answer is over ${maxBytes} bytes`));
          res.destroy();
        });
        res.on('error', (error) => reject(new Error(`the hub's answer broke off: ${error.message}`, { cause: error })));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`hub request failed: ${error.message}`, { cause: error })));
    req.end(body);
  });
}
