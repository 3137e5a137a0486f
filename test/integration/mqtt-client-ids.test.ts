/**
 * Client ids are bound to logins on both brokers: an agent's credentials cannot take the hub's or another
 * agent's client id and knock it off the broker (issue 17, item 2). REAL Mosquitto runs the shipped config
 * (deploy/mosquitto/, `use_username_as_clientid true`, client certificates made by deploy/pki/); the embedded
 * aedes broker is started as the hub starts it, with passwords and with client certificates.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { hashPassword } from '../../hub/auth/password.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../hub/mqtt/embedded-broker.ts';
import { topicFor } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';
import {
  makeShippedPki,
  type ShippedMosquitto,
  type ShippedPki,
  startShippedMosquitto,
} from '../support/shipped-mosquitto.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };
const HUB_ID = 'cxr-hub';
const silent = pino({ level: 'silent' });

/** A connected client that records whether the broker ever closed its connection. */
interface Watched {
  client: MqttClient;
  closes: number;
}

async function connect(url: string, options: IClientOptions): Promise<Watched> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clean: false,
    ...options,
  });
  const watched = { client, closes: 0 };
  client.on('close', () => watched.closes++);
  return watched;
}

/** Still connected, never dropped, and the broker still PUBACKs its QoS 1 publish (a dropped client never does). */
async function assertStillOn(victim: Watched, topic: string, what: string): Promise<void> {
  const pubacked = victim.client.publishAsync(topic, '{}', { qos: 1 }).then(() => true);
  const dropped = new Promise<boolean>((resolve) => {
    if (victim.closes > 0) resolve(false);
    victim.client.once('close', () => resolve(false));
  });
  assert.equal(await Promise.race([pubacked, dropped]), true, `${what} was knocked off the broker`);
  assert.equal(victim.closes, 0, `${what} was knocked off the broker`);
}

async function closeAll(clients: (Watched | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.client.endAsync(true)));
}

describe('Mosquitto with the shipped config', () => {
  let broker: ShippedMosquitto;
  before(async () => {
    broker = await startShippedMosquitto({
      logins: { 'cxr-hub': 'hub-secret' },
      agents: [
        ['clinic-a', 'xr-1'],
        ['clinic-b', 'xr-9'],
      ],
    });
  });
  after(() => broker?.stop());

  it("does not let an agent's certificate take the hub's client id", async () => {
    const hub = await connect(broker.url, { username: 'cxr-hub', password: 'hub-secret', clientId: HUB_ID });
    const evil = await connect(broker.tlsUrl, { ...broker.pki.agentTls('clinic-a', 'xr-1'), clientId: HUB_ID });
    try {
      await evil.client.publishAsync(topicFor(A, 'status'), '{}', { qos: 1 });
      await assertStillOn(hub, topicFor(A, 'ack'), 'the hub');
    } finally {
      await closeAll([hub, evil]);
    }
  });

  it("does not let an agent take another agent's client id", async () => {
    const victim = await connect(broker.tlsUrl, {
      ...broker.pki.agentTls('clinic-b', 'xr-9'),
      clientId: 'clinic-b/xr-9',
    });
    const evil = await connect(broker.tlsUrl, {
      ...broker.pki.agentTls('clinic-a', 'xr-1'),
      clientId: 'clinic-b/xr-9',
    });
    try {
      await assertStillOn(victim, topicFor(B, 'status'), 'agent B');
    } finally {
      await closeAll([victim, evil]);
    }
  });

  it('refuses an agent without a client certificate on the TLS listener', async () => {
    await assert.rejects(
      mqtt.connectAsync(broker.tlsUrl, {
        ca: broker.pki.agentTls('clinic-a', 'xr-1').ca,
        username: 'clinic-a/xr-1',
        password: 'anything',
        reconnectPeriod: 0,
        connectTimeout: 3000,
      }),
    );
  });

  it('control: without use_username_as_clientid the same login DOES knock the hub off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxr-mosq-control-'));
    let plain: RunningMosquitto | undefined;
    let hub: Watched | undefined;
    let evil: Watched | undefined;
    try {
      plain = await startMosquitto({ dataDir: dir });
      hub = await connect(plain.url, { clientId: HUB_ID });
      evil = await connect(plain.url, { clientId: HUB_ID });
      const closed = new Promise<void>((resolve) => hub?.client.once('close', () => resolve()));
      await closed;
      assert.equal(hub.closes, 1, 'the default config lets a duplicate client id take over');
    } finally {
      await closeAll([hub, evil]);
      await plain?.stop();
    }
  });
});

describe('embedded broker (aedes)', () => {
  const passwords: Record<string, string> = { 'clinic-a/xr-1': 'pw-a-0123456789', 'clinic-b/xr-9': 'pw-b-0123456789' };
  const hashes = new Map(Object.entries(passwords).map(([user, pw]) => [user, hashPassword(pw)]));
  let plain: EmbeddedBroker;
  let tls: EmbeddedBroker;
  let pki: ShippedPki;

  before(async () => {
    plain = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      agentPasswordHash: (user) => hashes.get(user),
      log: silent,
    });
    pki = makeShippedPki(join(mkdtempSync(join(tmpdir(), 'cxr-embedded-')), 'pki'), [['clinic-a', 'xr-1']]);
    tls = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      tls: { ...pki.server, caFile: pki.caFile },
      agentPasswordHash: () => undefined,
      log: silent,
    });
  });
  after(async () => {
    await plain?.close();
    await tls?.close();
  });

  const hubOn = (broker: EmbeddedBroker) =>
    connect(broker.url, {
      ...broker.hubLogin,
      clientId: HUB_ID,
      ...(broker.certificatePem ? { ca: broker.certificatePem } : {}),
    });

  it("does not let an agent's password take the hub's client id", async () => {
    const hub = await hubOn(plain);
    const evil = await connect(plain.url, {
      username: 'clinic-a/xr-1',
      password: passwords['clinic-a/xr-1'],
      clientId: HUB_ID,
    });
    try {
      await evil.client.publishAsync(topicFor(A, 'status'), '{}', { qos: 1 });
      await assertStillOn(hub, topicFor(A, 'ack'), 'the hub');
      assert.equal(evil.client.connected, true, 'the agent itself is served, in its own session');
    } finally {
      await closeAll([hub, evil]);
    }
  });

  it("does not let an agent take another agent's client id", async () => {
    const victim = await connect(plain.url, {
      username: 'clinic-b/xr-9',
      password: passwords['clinic-b/xr-9'],
      clientId: 'b-session',
    });
    const evil = await connect(plain.url, {
      username: 'clinic-a/xr-1',
      password: passwords['clinic-a/xr-1'],
      clientId: 'b-session',
    });
    try {
      await assertStillOn(victim, topicFor(B, 'status'), 'agent B');
    } finally {
      await closeAll([victim, evil]);
    }
  });

  it('refuses a wrong password before any session is touched', async () => {
    const hub = await hubOn(plain);
    try {
      await assert.rejects(connect(plain.url, { username: 'cxr-hub', password: 'guess', clientId: HUB_ID }));
      await assertStillOn(hub, topicFor(A, 'ack'), 'the hub');
    } finally {
      await closeAll([hub]);
    }
  });

  it('with client certificates: the certificate is the login, and still cannot take the hub id', async () => {
    const hub = await hubOn(tls);
    const certA = pki.agentTls('clinic-a', 'xr-1');
    const evil = await connect(tls.url, { ...certA, clientId: HUB_ID });
    try {
      await evil.client.publishAsync(topicFor(A, 'status'), '{}', { qos: 1 });
      await assertStillOn(hub, topicFor(A, 'ack'), 'the hub');
      // Certificate A with username B: refused (the username must be the certificate's name).
      await assert.rejects(connect(tls.url, { ...certA, username: 'clinic-b/xr-9', clientId: 'x' }));
      // No certificate at all: refused, even with a plausible username.
      await assert.rejects(connect(tls.url, { ca: certA.ca, username: 'clinic-a/xr-1', password: 'x', clientId: 'y' }));
      assert.ok(tls.refused.connect >= 2);
    } finally {
      await closeAll([hub, evil]);
    }
  });
});
