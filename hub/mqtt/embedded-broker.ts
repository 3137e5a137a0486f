/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) so one command runs a hub. Agents log in as
 * `<site>/<agent>` with a password checked against its scrypt hash, or, when `tls.caFile` is set, with a
 * client certificate signed by that CA whose common name is `<site>/<agent>` (as Mosquitto's
 * `use_identity_as_username`; docs/pki.md). The hub's own client logs in with a per-process random secret.
 * Every login's client id is scoped to that login (acl.ts `scopedClientId`): an agent cannot knock the hub
 * or another agent off the broker by reusing its client id. Publishing or subscribing outside the ACL is
 * refused: a refused publish closes the agent's connection [MQTT-3.3.5-2], a refused subscription gets 0x80.
 *
 * Persistence is aedes' in-memory default: queued messages are lost when the hub restarts. That is
 * acceptable because the agent's SQLite outbox is the durable truth (ARCHITECTURE.md): anything not
 * acked is re-sent when the agent reconnects.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { generatePassword, verifyPassword } from '../auth/password.ts';
import { agentFromUsername, type MqttPrincipal, mayPublish, maySubscribe, scopedClientId } from './acl.ts';

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
  /** With `caFile`, clients are asked for a certificate and agents must log in with one (docs/pki.md). */
  tls?: { certFile: string; keyFile: string; caFile?: string; crlFile?: string };
  /** The stored scrypt hash for an agent username, if any (the hub's comes from its database: a promise). */
  agentPasswordHash(username: string): string | undefined | Promise<string | undefined>;
  log: Logger;
}

const HUB_USERNAME = 'cxr-hub';

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const hubPassword = generatePassword();
  const principals = new WeakMap<Client, MqttPrincipal>();
  const refused = { connect: 0, publish: 0, subscribe: 0 };
  const log = options.log;

  const certificatesRequired = options.tls?.caFile !== undefined;
  const refuse = (reason: string, returnCode: 4 | 5) => {
    refused.connect++;
    log.warn({ reason }, 'MQTT login refused');
    return Object.assign(new Error(reason), { returnCode });
  };

  const aedes = await Aedes.createBroker({
    preConnect(client, packet, done) {
      // Before the session is looked up: the id is scoped to the login it claims (checked in authenticate).
      packet.clientId = scopedClientId(packet.username ?? certificateName(client), packet.clientId, HUB_USERNAME);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      const secret = password?.toString() ?? '';
      if (username === HUB_USERNAME && secret === hubPassword) {
        principals.set(client, { kind: 'hub' });
        return done(null, true);
      }
      const fail = (reason: string, code: 4 | 5) => done(refuse(reason, code) as Parameters<typeof done>[0], false);
      if (certificatesRequired) {
        // The certificate is the login; a username, if sent, must be the certificate's own name.
        const name = certificateName(client);
        const address = name ? agentFromUsername(name) : undefined;
        if (!address) return fail('no valid client certificate with an agent name', 5);
        if (username !== undefined && username !== name) return fail('username differs from the certificate', 5);
        principals.set(client, { kind: 'agent', address });
        return done(null, true);
      }
      const address = username ? agentFromUsername(username) : undefined;
      if (!address || !username) return fail('bad username or password', 4);
      Promise.resolve(options.agentPasswordHash(username)).then(
        (hash) => {
          if (!hash || !verifyPassword(secret, hash)) return fail('bad username or password', 4);
          principals.set(client, { kind: 'agent', address });
          done(null, true);
        },
        (error: Error) => {
          log.error({ err: error.message }, 'agent credential lookup failed');
          fail('credential lookup failed', 4);
        },
      );
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

  const tls = options.tls;
  const certificatePem = tls ? readFileSync(tls.certFile, 'utf8') : undefined;
  // Client certificates are asked for but checked per login (the hub's own loopback client has none).
  const clientCertificates = tls?.caFile
    ? {
        ca: readFileSync(tls.caFile),
        requestCert: true,
        rejectUnauthorized: false,
        ...(tls.crlFile ? { crl: readFileSync(tls.crlFile) } : {}),
      }
    : {};
  const server: Server = tls
    ? createTlsServer({ cert: certificatePem, key: readFileSync(tls.keyFile), ...clientCertificates }, aedes.handle)
    : createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  log.info(
    { port, tls: tls !== undefined, clientCertificates: certificatesRequired },
    'embedded MQTT broker listening',
  );

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

/** The common name of the client's certificate when the TLS layer verified it against the CA, else undefined. */
function certificateName(client: Client): string | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}
