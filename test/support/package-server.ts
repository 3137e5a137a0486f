/**
 * A small REAL HTTP server for model package downloads in tests (node:http): serves byte buffers by path with
 * `Range: bytes=<n>-` support (206 + content-range, `accept-ranges: bytes`), records every request, and can
 * misbehave on purpose: cut the connection after some bytes (`cutOnce`), send some bytes and then nothing
 * (`stall`), or ignore Range (`ignoreRange`).
 *
 *   const server = await startPackageServer();
 *   const url = server.serve('/v2.tar', bytes);
 *   server.cutOnce('/v2.tar', 4096);     // the next GET of it stops after 4096 bytes
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PackageRequest {
  path: string;
  range?: string;
}

export interface PackageServer {
  baseUrl: string;
  requests: PackageRequest[];
  serve(path: string, bytes: Buffer): string;
  cutOnce(path: string, afterBytes: number): void;
  /** Every GET of `path` sends `afterBytes` and then hangs until the server closes. */
  stall(path: string, bytes: Buffer, afterBytes: number): string;
  ignoreRange: boolean;
  close(): Promise<void>;
}

export async function startPackageServer(): Promise<PackageServer> {
  const files = new Map<string, Buffer>();
  const cuts = new Map<string, number>();
  const stalls = new Map<string, number>();
  const requests: PackageRequest[] = [];
  const state = { ignoreRange: false };

  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, ...(req.headers.range ? { range: req.headers.range } : {}) });
    const bytes = files.get(path);
    if (!bytes) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !state.ignoreRange) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
        'content-length': bytes.length - start,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes' });
    }
    const body = bytes.subarray(start);
    const stallAt = stalls.get(path);
    if (stallAt !== undefined) {
      res.write(body.subarray(0, stallAt));
      return;
    }
    const cut = cuts.get(path);
    if (cut !== undefined) {
      cuts.delete(path);
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    serve(path, bytes) {
      files.set(path, bytes);
      return `${baseUrl}${path}`;
    },
    cutOnce(path, afterBytes) {
      cuts.set(path, afterBytes);
    },
    stall(path, bytes, afterBytes) {
      files.set(path, bytes);
      stalls.set(path, afterBytes);
      return `${baseUrl}${path}`;
    },
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(on: boolean) {
      state.ignoreRange = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
