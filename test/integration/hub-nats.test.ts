/**
 * A hub on a real 3-node NATS cluster (Debian's nats-server 2.9.10) with agent users written by
 * `cxr hub agent add --nats-users` into the shipped users-file layout (deploy/nats/): results reach the hub
 * through the shared JetStream consumer and are acked; an agent cannot publish or read another agent's
 * topics, cannot subscribe with wildcards or to the gateway's internal subjects, and cannot open a plain
 * NATS connection. NATS 2.9 cannot bind a client id to a login: another agent using the same id takes the
 * connection over but reads nothing (docs/scale-out.md). A consumer of the hub's name made for something else
 * is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import pino from 'pino';
import { ensureResultsConsumer } from '../../hub/broker/nats-consumer-setup.ts';
import { hubUserEntry, natsPasswordHash } from '../../hub/broker/nats-users-file.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, resultMessage, tempDir } from '../hub/fixtures.ts';
import { connectAgent, type TestAgent, waitFor } from '../hub/harness.ts';
import { runCxr } from '../support/cxr-cli.ts';
import { type NatsCluster, startNatsCluster } from '../support/nats.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };
const HUB_PASSWORD = 'hub-nats-secret';

describe('hub on a NATS cluster: agent users and permissions', { timeout: 180_000 }, () => {
  let nats: NatsCluster;
  let hub: RunningHub;
  let agent: TestAgent;
  const passwords = new Map<string, string>();

  before(async () => {
    const hubLine = hubUserEntry('cxr-hub', natsPasswordHash(HUB_PASSWORD));
    nats = await startNatsCluster({ users: [hubLine] });
    const dir = tempDir('cxr-nats-acl-');
    const usersFile = join(dir, 'cxr-users.conf');
    writeFileSync(usersFile, `users: [\n  ${hubLine}\n]\n`);
    const config = hubConfig({
      mqtt: {
        broker: 'nats',
        url: nats.mqttUrls[0],
        failoverUrls: nats.mqttUrls.slice(1),
        username: 'cxr-hub',
        password: HUB_PASSWORD,
      },
      nats: { servers: [...nats.natsUrls] },
    });
    const configFile = join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify(config));
    for (const address of [A, B]) {
      const run = await runCxr([
        'hub',
        'agent',
        'add',
        '--config',
        configFile,
        '--site',
        address.site,
        '--agent',
        address.agent,
        '--nats-users',
        usersFile,
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      passwords.set(address.site, (JSON.parse(run.stdout) as { password: string }).password);
    }
    const lines = readFileSync(usersFile, 'utf8').split('\n');
    assert.equal(lines.filter((l) => l.includes('"allowed_connection_types":["MQTT"]')).length, 2);
    nats.setUsers(lines.filter((l) => l.trim().startsWith('{')).map((l) => l.trim()));
    await new Promise((resolve) => setTimeout(resolve, 500)); // the servers read the file again
    hub = await startHub(config);
    agent = await connectAgent(nats.mqttUrls[1]!, A, passwords.get(A.site)!);
  });
  after(async () => {
    await agent?.close();
    await hub?.close();
    await nats?.stop();
  });

  it('takes a result through the shared JetStream consumer and acks it after commit', async () => {
    const message = await resultMessage();
    await agent.publish('result', message);
    assert.equal((await agent.waitForAck(message.resultId, 30_000)).status, 'stored');
    assert.ok(await hub.hub.results.get(message.resultId, Date.now()));
  });

  it("drops a publish on another agent's topic and keeps the connection", async () => {
    const received = hub.hub.counters.received.result;
    const forged = await resultMessage({ site: B.site, agent: B.agent });
    await agent.publish('result', forged, B);
    const own = await resultMessage();
    await agent.publish('result', own);
    await agent.waitForAck(own.resultId, 30_000);
    assert.equal(hub.hub.counters.received.result, received + 1, 'only its own result reached the hub');
    assert.equal(await hub.hub.results.get(forged.resultId, Date.now()), undefined);
    assert.ok(agent.client.connected);
  });

  it("refuses other agents' topics, wildcards and the gateway's internal subjects", async () => {
    for (const filter of [topicFor(B, 'ack'), 'cxr/v1/+/+/ack', 'cxr/v1/#', '$MQTT/sub/#', '#']) {
      // mqtt.js rejects a SUBACK 0x80 with the packet; any other failure leaves no grant and fails below.
      const granted = await agent.client
        .subscribeAsync(filter, { qos: 1 })
        .catch((error: { packet?: { granted?: number[] } }) => (error.packet?.granted ?? []).map((qos) => ({ qos })));
      assert.deepEqual(
        granted.map((g) => g.qos),
        [128],
        filter,
      );
    }
  });

  it('refuses an agent login on the plain NATS port', async () => {
    await assert.rejects(
      connect({ servers: nats.natsUrls[0]!, user: 'clinic-a/xr-1', pass: passwords.get(A.site)!, reconnect: false }),
      /Authorization Violation/,
    );
  });

  it("lets another agent take over a client id (NATS 2.9 has no binding) but it reads none of the owner's messages", async () => {
    const clientId = 'cxr-agent-clinic-a-xr-1';
    const owner = await mqtt.connectAsync(nats.mqttUrls[0]!, {
      username: 'clinic-a/xr-1',
      password: passwords.get(A.site)!,
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await owner.subscribeAsync(topicFor(A, 'ack'), { qos: 1 });
    const intruder = await mqtt.connectAsync(nats.mqttUrls[2]!, {
      username: 'clinic-b/xr-9',
      password: passwords.get(B.site)!,
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    intruder.on('message', (topic) => got.push(topic));
    await waitFor(() => (owner.connected ? undefined : true), 10_000);
    const message = await resultMessage();
    await agent.publish('result', message);
    await agent.waitForAck(message.resultId, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(got, [], "the owner's session subscriptions do not deliver to the intruder");
    await intruder.endAsync(true);
    await owner.endAsync(true);
  });

  it('refuses a results consumer of its name that was made for something else', async () => {
    const nc = await connect({ servers: [...nats.natsUrls], user: 'cxr-hub', pass: HUB_PASSWORD });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add('$MQTT_msgs', {
        durable_name: 'someone-else',
        filter_subject: '$MQTT.msgs.cxr.v1.*.*.status',
        ack_policy: AckPolicy.Explicit,
      });
      await assert.rejects(
        ensureResultsConsumer({
          jsm,
          name: 'someone-else',
          ackWaitMs: 30_000,
          maxAckPending: 100,
          log: pino({ level: 'silent' }),
        }),
        (error: Error & { code?: string }) => error.code === 'CXR_ERR_HUB_NATS',
      );
      await jsm.consumers.delete('$MQTT_msgs', 'someone-else');
    } finally {
      await nc.close();
    }
  });
});
