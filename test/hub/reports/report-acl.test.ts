/**
 * An agent receives only its own reports and may ack only its own, on both brokers: the embedded broker's rule
 * (hub/mqtt/acl.ts, through a real aedes broker) and Mosquitto with the shipped deploy/mosquitto/acl.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { mosquittoPasswdLine } from '../../../hub/auth/mosquitto-passwd.ts';
import { hashPassword } from '../../../hub/auth/password.ts';
import { mayPublish, maySubscribe } from '../../../hub/mqtt/acl.ts';
import { startEmbeddedBroker } from '../../../hub/mqtt/embedded-broker.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { startMosquitto } from '../../support/mosquitto.ts';
import { tempDir } from '../fixtures.ts';

const A = { site: 'clinic-1', agent: 'xr-1' };
const B = { site: 'clinic-2', agent: 'xr-9' };
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

it('lets an agent read its own report topic and publish its own report/ack, nothing of another agent', () => {
  const agentA = { kind: 'agent' as const, address: A };
  assert.equal(maySubscribe(agentA, topicFor(A, 'report')), true);
  assert.equal(maySubscribe(agentA, topicFor(B, 'report')), false);
  assert.equal(maySubscribe(agentA, 'cxr/v1/+/+/report'), false);
  assert.equal(mayPublish(agentA, topicFor(A, 'report/ack')), true);
  assert.equal(mayPublish(agentA, topicFor(B, 'report/ack')), false);
  assert.equal(mayPublish(agentA, topicFor(A, 'report')), false, 'an agent cannot forge a report');
});

let n = 0;
async function client(url: string, username: string, password: string): Promise<MqttClient & { got: string[] }> {
  n += 1;
  const c = (await mqtt.connectAsync(url, {
    username,
    password,
    reconnectPeriod: 0,
    clientId: `t${n}`,
  })) as MqttClient & {
    got: string[];
  };
  c.got = [];
  c.on('message', (topic) => c.got.push(topic));
  closers.push(() => Promise.race([c.endAsync(true), new Promise((r) => setTimeout(r, 1000))]));
  return c;
}

async function checkBroker(url: string, hubLogin: { username: string; password: string }) {
  const hub = await client(url, hubLogin.username, hubLogin.password);
  await hub.subscribeAsync('cxr/v1/+/+/report/ack', { qos: 1 });
  const a = await client(url, 'clinic-1/xr-1', 'pw-a');
  await a.subscribeAsync(topicFor(A, 'report'), { qos: 1 });
  await a.subscribeAsync(topicFor(B, 'report'), { qos: 1 }).catch(() => undefined); // refused or silently empty
  await hub.publishAsync(topicFor(A, 'report'), '{}', { qos: 1 });
  await hub.publishAsync(topicFor(B, 'report'), '{}', { qos: 1 });
  await a.publishAsync(topicFor(A, 'report/ack'), '{}', { qos: 1 });
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(a.got, [topicFor(A, 'report')], 'A gets its own report only');
  assert.deepEqual(hub.got, [topicFor(A, 'report/ack')]);
  // QoS 0: a broker may answer a refused publish by closing the connection, leaving no PUBACK to wait for.
  const forged = await client(url, 'clinic-1/xr-1', 'pw-a');
  await forged.publishAsync(topicFor(B, 'report/ack'), '{}', { qos: 0 }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(hub.got, [topicFor(A, 'report/ack')], 'an ack in another agent’s name never reaches the hub');
}

it('holds on the embedded broker', async () => {
  const hashes = new Map([['clinic-1/xr-1', hashPassword('pw-a')]]);
  const broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    agentPasswordHash: (user) => hashes.get(user),
    log: pino({ level: 'silent' }),
  });
  closers.push(() => broker.close());
  await checkBroker(broker.url, broker.hubLogin);
});

it('holds on Mosquitto with the shipped ACL', async () => {
  const dir = tempDir('cxr-report-acl-');
  writeFileSync(
    join(dir, 'passwd'),
    `${mosquittoPasswdLine('cxr-hub', 'hub-pw')}\n${mosquittoPasswdLine('clinic-1/xr-1', 'pw-a')}\n`,
  );
  writeFileSync(join(dir, 'acl'), readFileSync(new URL('../../../deploy/mosquitto/acl', import.meta.url)));
  const broker = await startMosquitto({
    extraConfig: `allow_anonymous false\npassword_file ${dir}/passwd\nacl_file ${dir}/acl\n`,
  });
  closers.push(() => broker.stop());
  await checkBroker(broker.url, { username: 'cxr-hub', password: 'hub-pw' });
});
