/**
 * Agent failover on a REAL 3-node NATS cluster (Debian's nats-server, MQTT over JetStream, docs/scale-out.md): the
 * agent's own MQTT link (agent/sync/sync-link.ts with mqtt-options.ts, url + failoverUrls = the three nodes) and
 * outbox (a real SQLite AgentStore), a small hub double that acks results (test/support/ack-responder.ts) on a
 * node that stays up. Checked: the agent delivers through the first node; that node is SIGKILLed and the agent
 * delivers the rest through another; every node then refuses its CONNACK (its user removed) and, once the user is
 * back, it reconnects by itself (mqtt.js stops reconnecting for good after a refused CONNACK unless told not to:
 * the scale-out test's agents were left connected to no node). A repeated ack changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
    nats = await startNatsCluster({ users: [HUB_USER, AGENT_USER] });
    hub = await startAckResponder(nats.mqttUrls[2]!, 'test-hub-acks', {
      username: 'test-hub',
      password: PASSWORD,
      protocolVersion: 4,
    });
    const dir = tempDir('cxr-agent-failover-');
    const config = parseAgentConfig(
      {
        site: ADDRESS.site,
        agentId: ADDRESS.agent,
        siteSecret: 's'.repeat(32),
        dataDir: dir,
        watch: [{ path: join(dir, 'incoming') }],
        model: { dir: join(dir, 'model'), trustedKeysDir: join(dir, 'keys') },
        mqtt: {
          url: nats.mqttUrls[0],
          failoverUrls: nats.mqttUrls.slice(1),
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
    const log = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
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
    await link?.close().catch(() => {});
    await hub?.close().catch(() => {});
    await nats?.stop();
  });

  it('delivers through another node when the one it is connected to is killed', async (t) => {
    await waitFor(() => (link.connected() ? true : undefined), 30_000);
    await enqueue(3);
    await delivered();
    const first = connectedNode();
    assert.equal(first, 0, 'connected to its url first');

    await nats.nodes[0]!.kill();
    await enqueue(3);
    await delivered();
    const now = connectedNode();
    assert.ok(now === 1 || now === 2, `connected to a live node (${now})`);
    assert.equal(hub.results.size, 6, 'every result reached the hub');
    const errors = new Set(logs.filter((l) => l.msg === 'mqtt error').map((l) => l.err));
    t.diagnostic(`MQTT errors the agent saw during the failover: ${[...errors].join('; ') || 'none'}`);
  });

  it('reconnects by itself after the nodes refused its CONNACK', async (t) => {
    const from = logs.length;
    nats.setUsers([HUB_USER]); // the agent's user removed: every node refuses its CONNACK (not authorized)
    // A node that keeps the established connection over the reload: drop the link, as a network would.
    await waitFor(() => (link.client.connected ? undefined : true), 5_000).catch(() =>
      (link.client.stream as Socket).destroy(),
    );
    const refused = () => logs.slice(from).some((l) => /^Connection refused/.test(l.err ?? ''));
    await waitFor(() => (refused() ? true : undefined), 30_000);
    nats.setUsers([HUB_USER, AGENT_USER]);
    await enqueue(3);
    await delivered();
    const errors = new Set(
      logs
        .slice(from)
        .filter((l) => l.msg === 'mqtt error')
        .map((l) => l.err),
    );
    t.diagnostic(`MQTT errors while its user was away: ${[...errors].join('; ')}`);
    assert.ok(connectedNode() === 1 || connectedNode() === 2);
    assert.equal(hub.results.size, 9);
  });

  it('takes a repeated ack as a no-op: nothing else deleted, nothing counted twice', async () => {
    const acked = [...hub.results.keys()][0]!;
    hub.setAcking(false);
    await enqueue(1);
    await waitFor(() => (hub.results.size === 10 ? true : undefined), 30_000);
    const counted = () => /results_acked_total\{status="stored"\} (\d+)/.exec(metrics.render())?.[1];
    const before = counted();
    // The first result's "stored" ack once more, through the broker (as a node lost mid-delivery hands it over again).
    const other = await mqtt.connectAsync(nats.mqttUrls[2]!, {
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
