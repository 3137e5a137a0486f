/**
 * Scale-out on real processes on loopback (docs/scale-out.md): a 3-node NATS cluster (Debian's nats-server,
 * MQTT over JetStream, streams on all three nodes), one PostgreSQL, two `cxr hub` processes on the same
 * config (NATS broker, jobs lease) and three light agents (test/support/outbox-agent.ts: plain MQTT 3.1.1
 * clients with the agent's outbox contract; real agent processes would spend the 2 cores on inference).
 * 1,020 results; mid-stream the node leading the results consumer and the replica holding the jobs lease
 * are killed with SIGKILL, then restarted. Checked: every result stored exactly once and acked; live events
 * reach a dashboard on either replica; the surviving replica keeps serving the API (with a session made on
 * the dead one); the jobs lease, the agents' status subscription and the rollout runner move to it (the
 * lease row, its log line, and the next rollout wave issued by it); the restarted replica rejoins.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { agentUserEntry, hubUserEntry, natsPasswordHash } from '../../hub/broker/nats-users-file.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import { PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { type HttpSession, login, waitFor } from '../hub/harness.ts';
import { PUBLISH_TOKEN, packageTar, registryHubConfig, statusOn } from '../hub/registry-fixtures.ts';
import { type HubProcess, startHubProcess } from '../support/hub-process.ts';
import { freePort } from '../support/mosquitto.ts';
import { type NatsCluster, startNatsCluster } from '../support/nats.ts';
import { connectOutboxAgent, type OutboxAgent } from '../support/outbox-agent.ts';
import { type PostgresCluster, startPostgres } from '../support/postgres.ts';

const AGENTS = [1, 2, 3].map((n) => ({ site: `clinic-${n}`, agent: 'xr-1' }));
const PER_AGENT = 340;
const HUB_NATS_PASSWORD = 'hub-nats-password-for-tests';

/** The event names and result ids a dashboard's SSE stream delivers. */
function watchEvents(hubUrl: string, cookie: string) {
  const resultIds = new Set<string>();
  const controller = new AbortController();
  void (async () => {
    const response = await fetch(`${hubUrl}/api/events`, { headers: { cookie }, signal: controller.signal });
    const decoder = new TextDecoder();
    let text = '';
    const reader = response.body!.getReader();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      const blocks = text.split('\n\n');
      text = blocks.pop()!;
      for (const block of blocks) {
        const data = /^event: result\ndata: (.*)$/m.exec(block)?.[1];
        if (data) resultIds.add((JSON.parse(data) as { resultId: string }).resultId);
      }
    }
  })().catch(() => {});
  return { resultIds, close: () => controller.abort() };
}

describe('scale-out: 3 NATS nodes, PostgreSQL, 2 hub replicas, 3 agents', { timeout: 300_000 }, () => {
  let nats: NatsCluster;
  let postgres: PostgresCluster;
  let db: pg.Client;
  let configFile: string;
  let dataDir: string;
  const ports: number[] = [];
  const hubs: HubProcess[] = [];
  const killed: HubProcess[] = [];
  const agents: OutboxAgent[] = [];
  const sent = new Map<string, ResultMessage>();
  /** What the agents' MQTT clients reported (a refused CONNACK among them): for the diagnostics. */
  const agentErrors = new Set<string>();
  /** Their connects, losses and errors with times, kept in the data folder with the replicas' logs. */
  const agentEvents: string[] = [];

  const send = async (agent: OutboxAgent, count: number) => {
    const batch: ResultMessage[] = [];
    for (let i = 0; i < count; i++) {
      const message = await resultMessage({ site: agent.address.site, agent: agent.address.agent, flags: [] });
      sent.set(message.resultId, message);
      batch.push(message);
    }
    agent.send(batch);
  };
  const acked = () => agents.reduce((n, a) => n + a.acks.size, 0);
  const lease = async () =>
    (await db.query<{ holder: string; token: number }>("SELECT holder, token FROM leases WHERE name = 'hub-jobs'"))
      .rows[0];

  before(async () => {
    const agentHash = natsPasswordHash(PASSWORDS.agent);
    nats = await startNatsCluster({
      users: [
        hubUserEntry('cxr-hub', natsPasswordHash(HUB_NATS_PASSWORD)),
        ...AGENTS.map((a) => agentUserEntry(a, agentHash)),
      ],
    });
    postgres = await startPostgres();
    const url = await postgres.createDatabase();
    db = new pg.Client({ connectionString: url });
    dataDir = tempDir('cxr-scale-out-');
    const config = registryHubConfig(
      {
        dataDir, // one folder for both replicas, as a shared volume would be
        database: { url },
        logLevel: 'info',
        mqtt: {
          broker: 'nats',
          url: nats.mqttUrls[0],
          failoverUrls: nats.mqttUrls.slice(1),
          username: 'cxr-hub',
          password: HUB_NATS_PASSWORD,
          clientId: 'cxr-hub',
        },
        nats: { servers: [...nats.natsUrls], ackWaitS: 5 },
        jobs: { leaseTtlS: 3 },
      },
      AGENTS,
    );
    configFile = join(dataDir, 'hub.json');
    writeFileSync(configFile, JSON.stringify(config));
    ports.push(await freePort(), await freePort());
    hubs.push(...(await Promise.all(ports.map((port) => startHubProcess(configFile, port)))));
    await db.connect();
    for (const address of AGENTS) {
      const agent = await connectOutboxAgent({ urls: nats.mqttUrls, address, password: PASSWORDS.agent });
      const note = (event: string) => agentEvents.push(`${new Date().toISOString()} ${address.site} ${event}`);
      agent.client.on('error', (error) => {
        agentErrors.add(error.message.replace(/:\d+$/, ''));
        note(`error ${error.message}`);
      });
      agent.client.on('connect', () => note(`connected to :${(agent.client.stream as Socket).remotePort}`));
      agent.client.on('offline', () => note('offline'));
      agents.push(agent);
    }
  });
  after(async () => {
    for (const agent of agents) await agent.close().catch(() => {});
    for (const hub of hubs) await hub.stop().catch(() => {});
    // The replicas' logs stay in the test's data folder (pino lines), for a failure's post-mortem.
    for (const hub of [...hubs, ...killed]) writeFileSync(join(dataDir, `hub-${hub.pid}.log`), hub.lines.join('\n'));
    writeFileSync(join(dataDir, 'agents.log'), agentEvents.join('\n'));
    await db?.end().catch(() => {});
    await nats?.stop();
    await postgres?.stop();
  });

  it('spreads results over both replicas, each dashboard sees every result live', async () => {
    const sessions = await Promise.all(hubs.map((h) => login(h.url, 'rad', PASSWORDS.radiologist)));
    const watchers = hubs.map((h, i) => watchEvents(h.url, sessions[i]!.cookie));
    await new Promise((resolve) => setTimeout(resolve, 300)); // both streams open
    await send(agents[0]!, 60);
    await waitFor(() => (agents[0]!.unacked() === 0 ? true : undefined), 60_000);
    const ids = [...agents[0]!.acks.keys()];
    await waitFor(() => (watchers.every((w) => ids.every((id) => w.resultIds.has(id))) ? true : undefined), 10_000);
    for (const w of watchers) w.close();
  });

  it('stores every result once through SIGKILL of a NATS node and of the replica running the jobs', async (t) => {
    // A rollout whose second wave waits for the canary: issued later by whichever replica runs the jobs.
    for (const [version, seed] of [
      ['1.0.0', 1],
      ['1.1.0', 2],
    ] as const) {
      const response = await fetch(`${hubs[0]!.url}/api/models`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
        body: new Uint8Array(await packageTar(version, { seed })),
      });
      assert.equal(response.status, 201, await response.text());
    }
    for (const agent of agents)
      await agent.publish('status', statusOn(agent.address.site, agent.address.agent, '1.0.0'));
    const admin: HttpSession = await login(hubs[0]!.url, 'boss', PASSWORDS.admin);
    await waitFor(async () => {
      const fleet = (await (await admin.get('/api/fleet')).json()) as { agents: { online: boolean }[] };
      return fleet.agents.filter((x) => x.online).length === 3 ? true : undefined;
    }, 20_000);
    const started = await admin.post('/api/rollouts', {
      version: '1.1.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
      waitS: 0,
    });
    assert.equal(started.status, 201, await started.clone().text());
    const { id: rolloutId } = (await started.json()) as { id: string };
    const canary = await waitFor(() => agents.find((a) => a.desired.some((d) => d.rolloutId === rolloutId)), 20_000);
    const others = agents.filter((a) => a !== canary);

    const before = acked();
    for (const agent of agents) await send(agent, PER_AGENT);
    await waitFor(() => (acked() >= before + 250 ? true : undefined), 120_000);

    // SIGKILL the node leading the shared consumer (its pulls and unacked deliveries die with it).
    const nc = await connect({ servers: nats.natsUrls, user: 'cxr-hub', pass: HUB_NATS_PASSWORD });
    const info = await (await jetstreamManager(nc)).consumers.info('$MQTT_msgs', 'cxr-hub-results');
    await nc.close();
    const node = nats.nodes.find((n) => n.name === info.cluster?.leader)!;
    assert.ok(node, `consumer leader ${info.cluster?.leader}`);
    await node.kill();
    const afterNodeKill = acked();
    await waitFor(() => (acked() >= afterNodeKill + 150 ? true : undefined), 120_000);

    const admins = await Promise.all(hubs.map((h) => login(h.url, 'boss', PASSWORDS.admin)));
    const stored = await Promise.all(
      admins.map(async (a) => ((await (await a.get('/api/ingest')).json()) as { stored: number }).stored),
    );
    assert.ok(
      stored.every((n) => n > 0),
      `both replicas take results from the shared consumer: ${stored}`,
    );

    // SIGKILL the replica that runs the background jobs; a session it opened keeps working on the other.
    const holder = (await lease())!;
    const dead = hubs.findIndex((h) => holder.holder.includes(`:${h.pid}:`));
    assert.ok(dead >= 0, `lease holder ${holder.holder} is one of the replicas`);
    const survivor = hubs[1 - dead]!;
    const session = await login(hubs[dead]!.url, 'rad', PASSWORDS.radiologist);
    await hubs[dead]!.kill();
    killed.push(hubs[dead]!);
    const page = await fetch(`${survivor.url}/api/worklist?status=all&limit=5`, {
      headers: { cookie: session.cookie },
    });
    assert.equal(page.status, 200, 'the surviving replica serves, with a session made on the dead one');

    const moved = await waitFor(async () => {
      const now = await lease();
      return now?.holder.includes(`:${survivor.pid}:`) ? now : undefined;
    }, 20_000);
    assert.ok(moved.token > holder.token, 'a new term of the jobs lease');
    // The lease row changes before the replica's log line reaches this process through its stdout pipe.
    await waitFor(
      () => (survivor.lines.some((l) => l.includes('background jobs run on this replica')) ? true : undefined),
      10_000,
    );
    // The canary reports its new model: the survivor (now subscribed to model states) issues the next wave.
    await canary.publish('model/state', {
      v: 1,
      rolloutId,
      version: '1.1.0',
      state: 'active',
      at: new Date().toISOString(),
      activeVersion: '1.1.0',
    });
    await waitFor(
      () => (others.every((a) => a.desired.some((d) => d.rolloutId === rolloutId)) ? true : undefined),
      30_000,
    );

    // Both come back.
    await node.start();
    hubs[dead] = await startHubProcess(configFile, ports[dead]!);
    await waitFor(() => (agents.every((a) => a.unacked() === 0) ? true : undefined), 180_000);

    const rows = await db.query<{ result_id: string }>('SELECT result_id FROM results');
    assert.equal(rows.rows.length, sent.size, 'one row per result');
    assert.deepEqual(new Set(rows.rows.map((r) => r.result_id)), new Set(sent.keys()));
    // Stored once is the row count above. An ack is an MQTT QoS 1 message itself: a broker node lost mid-delivery
    // may hand the same ack over again, so a repeated "stored" is counted here, not refused; the agent ignores an ack
    // for a result no longer in its outbox (test/integration/agent-failover.test.ts).
    let repeatedAcks = 0;
    for (const agent of agents) {
      for (const [id, statuses] of agent.acks) {
        if (statuses.filter((s) => s === 'stored').length > 1) repeatedAcks++;
        assert.ok(
          statuses.every((s) => s === 'stored' || s === 'duplicate'),
          `${id}: ${statuses}`,
        );
      }
    }
    const back = await login(hubs[dead]!.url, 'rad', PASSWORDS.radiologist);
    assert.equal((await back.get('/api/worklist?status=all&limit=5')).status, 200, 'the restarted replica serves');
    const resends = agents.reduce((n, a) => n + a.resends(), 0);
    t.diagnostic(
      `${sent.size} results stored once; the agents re-sent ${resends} after the kills; ${repeatedAcks} stored acks delivered again`,
    );
    t.diagnostic(`agents' MQTT errors: ${[...agentErrors].join('; ') || 'none'}`);
  });
});
