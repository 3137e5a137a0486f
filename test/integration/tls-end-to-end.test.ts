/**
 * TLS end to end with certificates made by the shipped deploy/pki scripts: a REAL agent (in-process, real model)
 * logs in with its client certificate only, its result reaches a REAL hub, and a radiologist reads it over the
 * hub's HTTPS API with the CA as the only trust. On both brokers:
 * - the hub's embedded broker (mqtts:// with `tls.caFile`: the certificate is the login), and a revoked agent
 *   certificate (deploy/pki/revoke-agent.sh → crl.pem) is refused after the restart that loads the new list;
 * - Mosquitto with the shipped config (deploy/mosquitto/), the hub on its loopback listener; an agent
 *   certificate is rotated (issued again, the old one revoked by serial) and the old one is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import type { HubConfig } from '../../hub/config.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { agentFixture, REPO_ROOT, SAMPLES } from '../agent/fixture.ts';
import { hubConfig, PASSWORDS } from '../hub/fixtures.ts';
import { makeShippedPki, type ShippedPki, startShippedMosquitto } from '../support/shipped-mosquitto.ts';

const silent = pino({ level: 'silent' });
const PNG = join(SAMPLES, 'nih/images/00000032_038.png');

/** A JSON request to the hub over HTTPS trusting only `ca` (the host name is checked: 127.0.0.1 is in the SAN). */
function https(url: string, ca: Buffer, method: string, body?: unknown, cookie?: string) {
  return new Promise<{ status: number; json: unknown; cookie: string | undefined }>((resolve, reject) => {
    const req = request(
      url,
      { method, ca, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: text ? JSON.parse(text) : undefined,
            cookie: res.headers['set-cookie']?.[0]?.split(';')[0],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Logs in as the radiologist and returns the worklist items, all over HTTPS. */
async function worklist(hub: RunningHub, ca: Buffer): Promise<{ site: string; agent: string }[]> {
  assert.match(hub.httpUrl, /^https:\/\//);
  const login = await https(`${hub.httpUrl}/api/session`, ca, 'POST', {
    username: 'rad',
    password: PASSWORDS.radiologist,
  });
  assert.equal(login.status, 200);
  const list = await https(`${hub.httpUrl}/api/worklist`, ca, 'GET', undefined, login.cookie);
  assert.equal(list.status, 200, JSON.stringify(list.json));
  return (list.json as { items: { site: string; agent: string }[] }).items;
}

/** A real agent whose only MQTT credential is its certificate. */
async function certAgent(url: string, files: { caFile: string; certFile: string; keyFile: string }, site: string) {
  const fx = await agentFixture();
  const base = fx.config(url);
  const mqtt = { ...(base.mqtt as object), ...files };
  const agent = await startAgent(parseAgentConfig({ ...base, site, agentId: 'xr-1', mqtt }, fx.root), {
    logger: silent,
  });
  return { agent, inDir: fx.inDir };
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

describe('TLS end to end on the embedded broker', () => {
  let pki: ShippedPki;
  let config: HubConfig;
  let hub: RunningHub;

  it('delivers a certificate-only agent result to the hub and serves it over HTTPS', async () => {
    pki = makeShippedPki(join(mkdtempSync(join(tmpdir(), 'cxr-tls-e2e-')), 'pki'), [['clinic-a', 'xr-1']]);
    const parsed = hubConfig({ http: { port: 0, tls: pki.server }, mqtt: { port: 0, tls: pki.server } });
    // hub/config.ts does not carry mqtt.tls.caFile / crlFile yet: hand them to startHub as its config would.
    const clientCertificates = { ...pki.server, caFile: pki.caFile, crlFile: pki.crlFile };
    config = { ...parsed, mqtt: { ...parsed.mqtt, tls: clientCertificates } };
    hub = await startHub(config, { log: silent });
    closers.push(() => hub.close());
    assert.match(hub.mqttUrl, /^mqtts:\/\//);
    const { agent, inDir } = await certAgent(hub.mqttUrl, pki.agentFiles('clinic-a', 'xr-1'), 'clinic-a');
    closers.push(() => agent.close());
    copyFileSync(PNG, join(inDir, 'a.png'));
    await until(
      'the result acked over mqtts',
      () => agent.store.fileCounts().scored === 1 && agent.store.outboxSize() === 0,
    );
    const items = await worklist(hub, pki.agentTls('clinic-a', 'xr-1').ca);
    assert.deepEqual(
      items.map((i) => `${i.site}/${i.agent}`),
      ['clinic-a/xr-1'],
    );
    await agent.close();
  });

  it('refuses a revoked agent certificate once the broker has loaded the new revocation list', async () => {
    await hub.close();
    pki.revoke('clinic-a', 'xr-1');
    hub = await startHub(config, { log: silent });
    closers.push(() => hub.close());
    const { agent, inDir } = await certAgent(hub.mqttUrl, pki.agentFiles('clinic-a', 'xr-1'), 'clinic-a');
    closers.push(() => agent.close());
    copyFileSync(join(SAMPLES, 'nih/images/00001280_004.png'), join(inDir, 'b.png'));
    await until('scored into the outbox', () => agent.store.fileCounts().scored === 1);
    await until('refused by the broker', () => (hub.broker?.refused.connect ?? 0) >= 1);
    assert.equal(agent.store.outboxSize(), 1, 'the result waits in the outbox');
    assert.equal(agent.status().outbox, 1);
    await agent.close();
  });
});

describe('TLS end to end on Mosquitto with the shipped config', () => {
  it('delivers through the TLS listener, and an agent certificate is rotated: new one in, old one out', async () => {
    const broker = await startShippedMosquitto({ logins: { 'cxr-hub': 'hub-secret' }, agents: [['clinic-b', 'xr-1']] });
    closers.push(() => broker.stop());
    const pki = broker.pki;
    const hub = await startHub(
      hubConfig(
        {
          http: { port: 0, tls: pki.server },
          mqtt: {
            broker: 'external',
            url: broker.url,
            username: 'cxr-hub',
            password: 'hub-secret',
            clientId: 'cxr-hub',
          },
        },
        [{ site: 'clinic-b', agent: 'xr-1' }],
      ),
      { log: silent },
    );
    closers.push(() => hub.close());

    // Keep the first certificate aside, then rotate: issue again (new key, new serial) and revoke the old one.
    const old = join(mkdtempSync(join(tmpdir(), 'cxr-old-cert-')), 'old');
    mkdirSync(old);
    const first = pki.agentFiles('clinic-b', 'xr-1');
    copyFileSync(first.certFile, join(old, 'agent.crt'));
    copyFileSync(first.keyFile, join(old, 'agent.key'));
    const oldSerial = execFileSync('openssl', ['x509', '-in', first.certFile, '-noout', '-serial'], {
      encoding: 'utf8',
    })
      .trim()
      .split('=')[1] as string;
    execFileSync('bash', [join(REPO_ROOT, 'deploy/pki/issue-agent.sh'), pki.dir, 'clinic-b', 'xr-1'], {
      stdio: 'ignore',
    });
    execFileSync(
      'bash',
      [join(REPO_ROOT, 'deploy/pki/revoke-agent.sh'), pki.dir, 'clinic-b', 'xr-1', '--serial', oldSerial],
      {
        stdio: 'ignore',
      },
    );
    copyFileSync(pki.crlFile, join(broker.etcDir, 'crl.pem'));
    await broker.broker.restart(); // Mosquitto reads crlfile at start

    const rotated = await certAgent(broker.tlsUrl, pki.agentFiles('clinic-b', 'xr-1'), 'clinic-b');
    closers.push(() => rotated.agent.close());
    copyFileSync(PNG, join(rotated.inDir, 'a.png'));
    await until(
      'the rotated certificate delivers',
      () => rotated.agent.store.outboxSize() === 0 && rotated.agent.store.fileCounts().scored === 1,
    );
    const items = await worklist(hub, pki.agentTls('clinic-b', 'xr-1').ca);
    assert.deepEqual(
      items.map((i) => `${i.site}/${i.agent}`),
      ['clinic-b/xr-1'],
    );
    await rotated.agent.close();

    const revoked = await certAgent(
      broker.tlsUrl,
      { caFile: pki.caFile, certFile: join(old, 'agent.crt'), keyFile: join(old, 'agent.key') },
      'clinic-b',
    );
    closers.push(() => revoked.agent.close());
    copyFileSync(join(SAMPLES, 'nih/images/00001280_004.png'), join(revoked.inDir, 'b.png'));
    await until('scored into the outbox', () => revoked.agent.store.fileCounts().scored === 1);
    await new Promise((r) => setTimeout(r, 2000)); // a few reconnect attempts (retryInitialMs 1000)
    assert.equal(revoked.agent.store.outboxSize(), 1, 'the revoked certificate gets nothing through');
    assert.equal((await worklist(hub, pki.agentTls('clinic-b', 'xr-1').ca)).length, 1);
    await revoked.agent.close();
  });
});
