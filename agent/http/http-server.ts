/**
 * Local HTTP endpoints: `GET /healthz` (JSON) and `GET /metrics` (Prometheus text). node:http, not fastify:
 * two fixed GET routes with no body, params or auth need no router or schema layer, and the agent then
 * starts without loading fastify's plugin tree (fastify stays the hub's framework).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpEndpoints {
  health(): { ok: boolean } & Record<string, unknown>;
  metrics(): string;
}

export interface AgentHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(endpoints: HttpEndpoints, port: number, host: string): Promise<AgentHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
