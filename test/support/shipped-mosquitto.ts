/**
 * Runs REAL Mosquitto with the SHIPPED config (`deploy/mosquitto/mosquitto.conf` and `acl`), as an operator
 * would install it, with only paths and ports rewritten: the TLS listener (8883, client certificates) and the
 * hub's loopback listener (1883) move to free ports, `/etc/mosquitto/cxr/` to a temp folder holding the ACL,
 * a password file and a PKI made by the shipped `deploy/pki/` scripts.
 *
 *   const broker = await startShippedMosquitto({ logins: { 'cxr-hub': 'pw' }, agents: [['clinic-a', 'xr-1']] });
 *   broker.tlsUrl, broker.url, broker.pki.agentTls('clinic-a', 'xr-1')   // mqtt.js options: CA, cert, key
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type RunningMosquitto, startMosquitto } from './mosquitto.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

export interface ShippedMosquittoOptions {
  /** Password logins (username → password) for the loopback listener, e.g. the hub's `cxr-hub`. */
  logins: Record<string, string>;
  /** Agents to issue client certificates for with deploy/pki/issue-agent.sh. */
  agents: readonly (readonly [site: string, agent: string])[];
  /** Replaces the shipped ACL (e.g. one that denies a topic). */
  aclText?: string;
}

export interface ShippedMosquitto {
  /** The hub's loopback listener (password logins). */
  url: string;
  /** The agents' TLS listener (client certificates). */
  tlsUrl: string;
  /** The CA folder made by deploy/pki/make-ca.sh (agent files: `pki.agentFiles`, `pki.agentTls`). */
  pki: ShippedPki;
  /** The config's folder (`/etc/mosquitto/cxr/` as shipped): crl.pem, acl, passwd. */
  etcDir: string;
  broker: RunningMosquitto;
  stop(): Promise<void>;
}

function pki(script: string, ...args: string[]): void {
  execFileSync('bash', [join(DEPLOY, 'pki', script), ...args], { stdio: 'ignore' });
}

/** What the shipped deploy/pki scripts make: a CA, a server certificate (chain) for `san`, agent certificates. */
export interface ShippedPki {
  dir: string;
  caFile: string;
  crlFile: string;
  server: { certFile: string; keyFile: string };
  agentFiles(site: string, agent: string): { caFile: string; certFile: string; keyFile: string };
  /** The same as mqtt.js / https options (ca, cert, key buffers). */
  agentTls(site: string, agent: string): { ca: Buffer; cert: Buffer; key: Buffer };
  /** deploy/pki/revoke-agent.sh; returns the rewritten CRL file. */
  revoke(site: string, agent: string): string;
}

export function makeShippedPki(
  dir: string,
  agents: readonly (readonly [site: string, agent: string])[],
  san = 'DNS:localhost,IP:127.0.0.1',
): ShippedPki {
  pki('make-ca.sh', dir, 'cxr test CA');
  pki('issue-server.sh', dir, 'server', san);
  for (const [site, agent] of agents) pki('issue-agent.sh', dir, site, agent);
  const agentFiles = (site: string, agent: string) => ({
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'agents', `${site}_${agent}.crt`),
    keyFile: join(dir, 'agents', `${site}_${agent}.key`),
  });
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    crlFile: join(dir, 'crl.pem'),
    server: { certFile: join(dir, 'server/server.crt'), keyFile: join(dir, 'server/server.key') },
    agentFiles,
    agentTls(site, agent) {
      const files = agentFiles(site, agent);
      return { ca: readFileSync(files.caFile), cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
    },
    revoke(site, agent) {
      pki('revoke-agent.sh', dir, site, agent);
      return join(dir, 'crl.pem');
    },
  };
}

/** The shipped mosquitto.conf with its paths and ports rewritten for this run. */
export function rewriteShippedConfig(etcDir: string, dataDir: string, tlsPort: number, port: number): string {
  const text = readFileSync(join(DEPLOY, 'mosquitto/mosquitto.conf'), 'utf8')
    .replaceAll('/etc/mosquitto/cxr/', `${etcDir}/`)
    .replaceAll('/var/lib/mosquitto/', `${dataDir}/`)
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`);
  // Run as ourselves (root would drop to user `mosquitto`), log to stderr for the test's diagnostics.
  return `user ${userInfo().username}\nlog_dest stderr\n${text}`;
}

export async function startShippedMosquitto(options: ShippedMosquittoOptions): Promise<ShippedMosquitto> {
  const root = mkdtempSync(join(tmpdir(), 'cxr-shipped-mosquitto-'));
  const etcDir = join(root, 'etc');
  const dataDir = join(root, 'data');
  mkdirSync(etcDir);
  mkdirSync(dataDir);

  const shippedPki = makeShippedPki(join(root, 'pki'), options.agents);
  copyFileSync(shippedPki.caFile, join(etcDir, 'ca.crt'));
  copyFileSync(shippedPki.crlFile, join(etcDir, 'crl.pem'));
  copyFileSync(shippedPki.server.certFile, join(etcDir, 'server.crt'));
  copyFileSync(shippedPki.server.keyFile, join(etcDir, 'server.key'));
  writeFileSync(join(etcDir, 'acl'), options.aclText ?? readFileSync(join(DEPLOY, 'mosquitto/acl')));
  const passwd = join(etcDir, 'passwd');
  writeFileSync(passwd, '');
  for (const [user, password] of Object.entries(options.logins)) {
    execFileSync('mosquitto_passwd', ['-b', passwd, user, password], { stdio: 'ignore' });
  }

  const [tlsPort, port] = [await freePort(), await freePort()];
  const broker = await startMosquitto({
    port,
    dataDir,
    configText: rewriteShippedConfig(etcDir, dataDir, tlsPort, port),
  });
  return {
    url: broker.url,
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    pki: shippedPki,
    etcDir,
    broker,
    stop: () => broker.stop(),
  };
}
