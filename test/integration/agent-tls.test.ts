/**
 * The agent's MQTT link over TLS with a client certificate, against a REAL Mosquitto configured with
 * `require_certificate true`: results flow and are acked; an agent without a client certificate is refused
 * and keeps its results in the outbox.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { agentFixture, SAMPLES } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';
import { issueCert, makeTestCa, type TestCa, type TestCert } from '../support/test-certs.ts';

describe('agent over TLS with a client certificate (real Mosquitto)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let url: string;
  let ca: TestCa;
  let client: TestCert;

  before(async () => {
    ca = makeTestCa(mkdtempSync(join(tmpdir(), 'cxr-agent-pki-')));
    const server = issueCert(ca, 'server', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
    client = issueCert(ca, 'client', { cn: 'clinic-1/room-2' });
    broker = await startMosquitto({
      extraConfig: [
        `cafile ${ca.certFile}`,
        `certfile ${server.certFile}`,
        `keyfile ${server.keyFile}`,
        'require_certificate true',
        'use_identity_as_username true',
      ].join('\n'),
    });
    url = `mqtts://127.0.0.1:${broker.port}`;
    hub = await startAckResponder(url, 'tls-responder', {
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
    });
  });
  after(async () => {
    await hub?.close();
    await broker?.stop();
  });

  it('delivers results through mqtts:// with the configured CA and client certificate', async () => {
    const fx = await agentFixture();
    const base = fx.config(url);
    const mqtt = {
      ...(base.mqtt as object),
      caFile: ca.certFile,
      certFile: client.certFile,
      keyFile: client.keyFile,
    };
    const agent = await startAgent(parseAgentConfig({ ...base, mqtt }, fx.root), { logger: pino({ level: 'silent' }) });
    try {
      copyFileSync(join(SAMPLES, 'nih/images/00000032_038.png'), join(fx.inDir, 'a.png'));
      await hub.waitFor(
        () => hub.results.size === 1 && agent.store.outboxSize() === 0,
        20_000,
        'result acked over TLS',
      );
    } finally {
      await agent.close();
    }
  });

  it('is refused without a client certificate and keeps the result in its outbox', async () => {
    const fx = await agentFixture();
    const base = fx.config(url);
    const mqtt = { ...(base.mqtt as object), caFile: ca.certFile };
    const agent = await startAgent(parseAgentConfig({ ...base, agentId: 'no-cert', mqtt }, fx.root), {
      logger: pino({ level: 'silent' }),
    });
    try {
      copyFileSync(join(SAMPLES, 'nih/images/00001280_004.png'), join(fx.inDir, 'b.png'));
      const deadline = Date.now() + 15_000;
      while (agent.store.fileCounts().scored < 1) {
        assert.ok(Date.now() < deadline, 'scored');
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(agent.store.outboxSize(), 1);
      const health = (await (await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(health.broker, 'disconnected');
      assert.equal([...hub.results.values()].filter((r) => r.agent === 'no-cert').length, 0);
    } finally {
      await agent.close();
    }
  });
});
