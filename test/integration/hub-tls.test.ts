/**
 * TLS on both hub listeners: agents reach the embedded broker over mqtts:// (server certificate checked
 * against its CA) and the dashboard/API over HTTPS, where the session cookie is marked Secure.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, it } from 'node:test';
import mqtt from 'mqtt';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { selfSignedCert } from '../support/test-certs.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
let hub: RunningHub;
let cert: string;

before(async () => {
  const san = 'DNS:localhost,IP:127.0.0.1';
  const { certFile, keyFile, cert: pem } = selfSignedCert(tempDir('cxr-hub-tls-'), 'hub', { cn: 'localhost', san });
  cert = pem.toString('utf8');
  hub = await startHub(
    hubConfig({
      http: { port: 0, tls: { certFile, keyFile } },
      mqtt: { port: 0, tls: { certFile, keyFile }, clientId: `tls-${process.pid}` },
    }),
  );
});
after(() => hub?.close());

it('accepts an agent over mqtts:// with a verified certificate and acks its result', async () => {
  assert.match(hub.mqttUrl, /^mqtts:\/\//);
  const client = await mqtt.connectAsync(hub.mqttUrl, {
    username: 'clinic-a/xr-1',
    password: PASSWORDS.agent,
    ca: cert,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const acked = new Promise<string>((resolve) =>
    client.on('message', (_t, p) => resolve(JSON.parse(p.toString()).status)),
  );
  await client.subscribeAsync(topicFor(A, 'ack'), { qos: 1 });
  const message = await resultMessage();
  await client.publishAsync(topicFor(A, 'result'), JSON.stringify(message), { qos: 1 });
  assert.equal(await acked, 'stored');
  await client.endAsync();
});

it('refuses an mqtts:// client that does not trust the hub certificate', async () => {
  await assert.rejects(
    mqtt.connectAsync(hub.mqttUrl, {
      username: 'clinic-a/xr-1',
      password: PASSWORDS.agent,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    }),
  );
});

it('serves the API over HTTPS with a Secure, HttpOnly, SameSite=Strict session cookie', async () => {
  const setCookie = await new Promise<string>((resolve, reject) => {
    const req = request(
      `${hub.httpUrl}/api/session`,
      { method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        assert.equal(res.statusCode, 200);
        resolve(String(res.headers['set-cookie']));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username: 'rad', password: PASSWORDS.radiologist }));
  });
  assert.match(hub.httpUrl, /^https:/);
  assert.match(setCookie, /; Secure/);
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
});
