/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) so one command runs a hub. Agents log in as
 * `<site>/<agent>` with a password checked against its scrypt hash; the hub's own client logs in with a
 * per-process random secret. Publishing or subscribing outside the ACL (mqtt/acl.ts) is refused: a
 * refused publish closes the agent's connection [MQTT-3.3.5-2], a refused subscription gets 0x80.
 *
 * Persistence is aedes' in-memory default: queued messages are lost when the hub restarts. That is
 * acceptable because the agent's SQLite outbox is the durable truth (ARCHITECTURE.md): anything not
 * acked is re-sent when the agent reconnects.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { generatePassword, verifyPassword } from '../auth/password.ts';
import { agentFromUsername, type MqttPrincipal, mayPublish, maySubscribe } from './acl.ts';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Credentials for the hub's own privileged client. */
  hubLogin: { username: string; password: string };
  /** The server certificate (PEM) when listening with TLS, for the hub's own client to trust. */
  certificatePem?: string;
  /** Count of refused CONNECT / PUBLISH / SUBSCRIBE attempts. */
  refused: { connect: number; publish: number; subscribe: number };
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  /** Returns the stored scrypt hash for an agent username, if any. */
  agentPasswordHash(username: string): string | undefined;
  log: Logger;
}

const HUB_USERNAME = 'cxr-hub';

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const hubPassword = generatePassword();
  const principals = new WeakMap<Client, MqttPrincipal>();
  const refused = { connect: 0, publish: 0, subscribe: 0 };
  const log = options.log;

  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const secret = password?.toString() ?? '';
      if (username === HUB_USERNAME && secret === hubPassword) {
        principals.set(client, { kind: 'hub' });
        return done(null, true);
      }
      const address = username ? agentFromUsername(username) : undefined;
      const hash = address && username ? options.agentPasswordHash(username) : undefined;
      if (address && hash && verifyPassword(secret, hash)) {
        principals.set(client, { kind: 'agent', address });
        return done(null, true);
      }
      refused.connect++;
      log.warn({ clientId: client.id }, 'MQTT login refused');
      const error = Object.assign(new Error('bad username or password'), { returnCode: 4 });
      return done(error as Parameters<typeof done>[0], false);
    },
    authorizePublish(client, packet, done) {
      const principal = client ? principals.get(client) : undefined;
      if (principal && mayPublish(principal, packet.topic)) return done(null);
      refused.publish++;
      log.warn({ clientId: client?.id, topic: packet.topic }, 'MQTT publish refused');
      return done(new Error('publish not allowed on this topic'));
    },
    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      if (principal && maySubscribe(principal, subscription.topic)) return done(null, subscription);
      refused.subscribe++;
      log.warn({ clientId: client.id, topic: subscription.topic }, 'MQTT subscribe refused');
      return done(null, null);
    },
  });

  const certificatePem = options.tls ? readFileSync(options.tls.certFile, 'utf8') : undefined;
  const server: Server = options.tls
    ? createTlsServer({ cert: certificatePem, key: readFileSync(options.tls.keyFile) }, aedes.handle)
    : createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  log.info({ port, tls: options.tls !== undefined }, 'embedded MQTT broker listening');

  return {
    url: `${options.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`,
    ...(certificatePem ? { certificatePem } : {}),
    port,
    hubLogin: { username: HUB_USERNAME, password: hubPassword },
    refused,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
