/**
 * Local HTTP endpoints: `GET /healthz` (JSON) and `GET /metrics` (Prometheus text), and the clinic page under
 * `/clinic` when the agent has a clinic (agent/clinic/page/clinic-page.ts, its own routes and login). node:http,
 * not fastify: a few fixed routes need no router or schema layer, and the agent then starts without loading
 * fastify's plugin tree (fastify stays the hub's framework).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpEndpoints {
  health(): { ok: boolean } & Record<string, unknown>;
  metrics(): string;
  /** Answers `/clinic…` (true) or leaves the request to the routes here (false). */
  clinic?(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

export interface AgentHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(endpoints: HttpEndpoints, port: number, host: string): Promise<AgentHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (endpoints.clinic && (path === '/clinic' || path.startsWith('/clinic/'))) {
      endpoints.clinic(req, res, path).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      const health = endpoints.health();
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(endpoints.metrics());
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
