/**
 * Agent failover on a REAL 3-node NATS cluster (Debian's nats-server, MQTT over JetStream, docs/scale-out.md): the
 * agent's own MQTT link (agent/sync/sync-link.ts with mqtt-options.ts, url + failoverUrls = the three nodes) and
 * outbox (a real SQLite AgentStore), a small hub double that acks results (test/support/ack-responder.ts), also
 * listing every node. The agent lists first the leader of the gateway's message stream. Checked: every node
 * refuses its CONNACK until its user is added, and it then connects by itself (mqtt.js stops reconnecting for good
 * after a refused CONNACK unless told not to: the scale-out test's agents were left connected to no node); it
 * delivers; the node it is connected to is SIGKILLed and it delivers the next results through another; a
 * repeated ack changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { createAgentMetrics } from '../../agent/http/metrics.ts';
import { AgentStore } from '../../agent/store/agent-store.ts';
import { openAgentDatabase } from '../../agent/store/database.ts';
import { type SyncLink, startSync } from '../../agent/sync/sync-link.ts';
import { agentUserEntry, natsPasswordHash } from '../../hub/broker/nats-users-file.ts';
import { topicFor } from '../../protocol/topics.ts';
import { resultMessage, tempDir } from '../hub/fixtures.ts';
import { waitFor } from '../hub/harness.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type NatsCluster, startNatsCluster } from '../support/nats.ts';

const ADDRESS = { site: 'clinic-1', agent: 'xr-1' };
const PASSWORD = 'agent-password-for-failover';
const hash = natsPasswordHash(PASSWORD);
/** The hub double's login: no permission limits (it reads every agent's results over MQTT; no JetStream consumer). */
const HUB_USER = JSON.stringify({ user: 'test-hub', password: hash });
const AGENT_USER = agentUserEntry(ADDRESS, hash);

describe('agent failover between NATS nodes (real cluster)', { timeout: 120_000 }, () => {
  let nats: NatsCluster;
  let hub: AckResponder;
  let link: SyncLink;
  let store: AgentStore;
  let metrics: ReturnType<typeof createAgentMetrics>;
  const logs: { msg: string; err?: string }[] = [];
  /** The agent's node list, url first; `first` is that node's index in the cluster. */
  let urls: string[] = [];
  let first = -1;
  let dir = '';

  const portOf = (url: string) => Number(new URL(url).port);
  /** The node the agent's socket is connected to (by MQTT port), or undefined. */
  const connectedNode = () => {
    const port = link.client.connected ? (link.client.stream as Socket).remotePort : undefined;
    return nats.nodes.findIndex((n) => portOf(n.mqttUrl) === port);
  };
  const enqueue = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const message = await resultMessage(ADDRESS);
      const sha256 = createHash('sha256').update(message.resultId).digest('hex');
      const facts = { sha256, path: '', sizeBytes: 0, mtimeMs: 0, rememberPath: false };
      store.commitScored(facts, message.resultId, JSON.stringify(message), Date.now());
    }
    link.sender.kick();
  };
  const delivered = () => waitFor(() => (store.outboxSize() === 0 ? true : undefined), 60_000);

  before(async () => {
    // Without the agent's user at first: every node refuses its CONNACK (not authorized) until the user is added.
    nats = await startNatsCluster({ users: [HUB_USER] });
    // The worst node to lose: the leader of the gateway's message stream (publishes stall while it is re-elected).
    // The first MQTT connection makes the streams; the agent lists that leader first, the hub double uses another.
    await (await mqtt.connectAsync(nats.mqttUrls[0]!, { username: 'test-hub', password: PASSWORD })).endAsync();
    const nc = await connect({ servers: nats.natsUrls, user: 'test-hub', pass: PASSWORD });
    const leader = await waitFor(async () => {
      const info = await (await jetstreamManager(nc)).streams.info('$MQTT_msgs').catch(() => undefined);
      return info?.cluster?.leader || undefined;
    }, 30_000);
    await nc.close();
    first = nats.nodes.findIndex((n) => n.name === leader);
    const order = [first, ...[0, 1, 2].filter((i) => i !== first)];
    urls = order.map((i) => nats.mqttUrls[i]!);
    hub = await startAckResponder(urls[2]!, 'test-hub-acks', {
      username: 'test-hub',
      password: PASSWORD,
      protocolVersion: 4,
      reconnectOnConnackError: true, // its node may refuse it too while the leaders are elected again
      // Every node, so that it fails over too when the agent's node is killed.
      servers: urls.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port), protocol: 'mqtt' as const })),
    });
    dir = tempDir('cxr-agent-failover-');
    const config = parseAgentConfig(
      {
        site: ADDRESS.site,
        agentId: ADDRESS.agent,
        siteSecret: 's'.repeat(32),
        dataDir: dir,
        watch: [{ path: join(dir, 'incoming') }],
        model: { dir: join(dir, 'model'), trustedKeysDir: join(dir, 'keys') },
        mqtt: {
          url: urls[0],
          failoverUrls: urls.slice(1),
          username: `${ADDRESS.site}/${ADDRESS.agent}`,
          password: PASSWORD,
          retryInitialMs: 300,
          retryMaxMs: 1000,
        },
      },
      dir,
    );
    store = new AgentStore(openAgentDatabase(join(dir, 'agent.db')));
    metrics = createAgentMetrics({
      backlog: () => 0,
      outboxSize: () => store.outboxSize(),
      oldestUnackedAgeS: () => 0,
      intakePaused: () => 0,
      diskFreeBytes: () => 1e9,
      uptimeS: () => 1,
      model: () => ({ version: '1.0.0', runtime: 'onnxruntime' }),
    });
    const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    link = startSync({
      config,
      store,
      metrics,
      log,
      now: Date.now,
      snapshot: () => ({
        ...ADDRESS,
        agentVersion: '0.0.0',
        startedAt: Date.now(),
        now: Date.now(),
        backlog: 0,
        outbox: store.outboxSize(),
        quarantined: 0,
        diskFreeBytes: 1e9,
        intakePaused: false,
      }),
      models: { handle: () => {} },
    });
  });
  after(async () => {
    // The agent's log lines stay next to its outbox, for a failure's post-mortem.
    writeFileSync(join(dir, 'agent.log'), logs.map((l) => JSON.stringify(l)).join('\n'));
    for (const node of nats?.nodes ?? []) writeFileSync(join(dir, `${node.name}.log`), node.log());
    await link?.close().catch(() => {});
    await hub?.close().catch(() => {});
    await nats?.stop();
  });

  it('reconnects by itself after the nodes refused its CONNACK', async () => {
    await waitFor(() => (logs.some((l) => l.err === 'Connection refused: Not authorized') ? true : undefined), 30_000);
    // Added while no retained message exists: on 2.9.10 a reload with retained messages can crash a node
    // (mqttCheckPubRetainedPerms, docs/scale-out.md).
    nats.setUsers([HUB_USER, AGENT_USER]);
    await enqueue(3);
    await delivered();
    assert.ok(connectedNode() >= 0, 'connected to a node');
    assert.equal(hub.results.size, 3);
  });

  it('delivers through another node when the one it is connected to is killed', async (t) => {
    const from = logs.length;
    const killed = connectedNode();
    assert.ok(killed >= 0, 'connected to a node before the kill');
    await nats.nodes[killed]!.kill();
    await enqueue(3);
    await delivered();
    const now = connectedNode();
    assert.ok(now >= 0 && now !== killed, `connected to a live node (${now})`);
    assert.equal(hub.results.size, 6, 'every result reached the hub');
    const errors = new Set(
      logs
        .slice(from)
        .filter((l) => l.msg === 'mqtt error')
        .map((l) => l.err),
    );
    const role = killed === first ? 'the message stream leader' : 'not the message stream leader';
    t.diagnostic(`killed ${nats.nodes[killed]!.name} (${role}); the agent's MQTT errors: ${[...errors].join('; ')}`);
  });

  it('takes a repeated ack as a no-op: nothing else deleted, nothing counted twice', async () => {
    const acked = [...hub.results.keys()][0]!;
    hub.setAcking(false);
    await enqueue(1);
    await waitFor(() => (hub.results.size === 7 ? true : undefined), 30_000);
    const counted = () => /results_acked_total\{status="stored"\} (\d+)/.exec(metrics.render())?.[1];
    const before = counted();
    // The first result's "stored" ack once more, through the broker (as a node lost mid-delivery hands it over again).
    const other = await mqtt.connectAsync(urls[2]!, {
      username: 'test-hub',
      password: PASSWORD,
      protocolVersion: 4,
    });
    const repeat = { v: 1, resultId: acked, status: 'stored' };
    await other.publishAsync(topicFor(ADDRESS, 'ack'), JSON.stringify(repeat), { qos: 1 });
    await other.endAsync();
    await waitFor(() => (logs.some((l) => l.msg.includes('no longer in the outbox')) ? true : undefined), 10_000);
    assert.equal(store.outboxSize(), 1, 'the unacked result stays in the outbox');
    assert.equal(counted(), before, 'a repeated ack is not counted again');
    hub.setAcking(true);
    await delivered(); // re-sent until acked (as a duplicate: the hub double has it)
  });
});
