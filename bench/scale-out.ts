/**
 * Scale-out benchmarks (`node --import tsx bench/scale-out.ts`, or `npm run bench -- scale-out`), in one run:
 *  1. Ingest on PostgreSQL (durable: fsync and synchronous commit on) through a 3-node NATS cluster (Debian's
 *     nats-server, MQTT over JetStream, streams on all three nodes): simulated agents (real MQTT clients, each
 *     logged in as itself) publish real ResultMessages (512 px JPEG preview, every blob distinct, activation
 *     grids) and wait for the hub's ack (= row committed). With 1 and with 2 hub processes (`cxr hub`, the
 *     shared JetStream consumer), against the raw NATS MQTT QoS 1 rate of the same clients and payloads (publish
 *     → delivered to one QoS 1 subscriber) measured in the same run. Also the CPU each part spends per message
 *     (hub processes, the 3 NATS nodes, the PostgreSQL server: /proc), steadier than rates on a shared machine.
 *  2. Worklist on PostgreSQL with N results (bulk-inserted by one INSERT … SELECT over generate_series in one
 *     transaction, the same distribution as bench/hub.ts): p50/p95 of the default triage order (first page, deep
 *     keyset pages, site filter, flagged only) and of the other orders.
 *  3. Sizes for capacity planning (docs/scale-out.md, sizing): mean result message bytes (as published), the
 *     agent's default 1024 px preview of the full-resolution sample films, PostgreSQL bytes per stored result (all tables and
 *     indexes, over an empty migrated database) and preview blob bytes per result; bytes per synthetic row at N.
 * Env: CXR_BENCH_SCALE_AGENTS (10), CXR_BENCH_SCALE_MESSAGES per agent (100), CXR_BENCH_SCALE_INFLIGHT (8),
 *      CXR_BENCH_SCALE_ROWS (1000000), CXR_BENCH_SCALE_QUERIES (200), CXR_BENCH_SCALE_ONLY (ingest | worklist).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { agentUserEntry, hubUserEntry, natsPasswordHash } from '../hub/broker/nats-users-file.ts';
import { openHubDatabase } from '../hub/db/database.ts';
import { createResultsStore, type WorklistQuery } from '../hub/results/results-store.ts';
import { type AgentAddress, topicFor } from '../protocol/topics.ts';
import { hubConfig, PASSWORDS, statusMessage, tempDir } from '../test/hub/fixtures.ts';
import { login } from '../test/hub/harness.ts';
import { startHubProcess } from '../test/support/hub-process.ts';
import { freePort } from '../test/support/mosquitto.ts';
import { type NatsCluster, startNatsCluster } from '../test/support/nats.ts';
import { type PostgresCluster, startPostgres } from '../test/support/postgres.ts';
import { natsServerPids, postgresSeconds, processSeconds } from './support/cpu.ts';
import { bulkInsertResults, payloads } from './support/scale-out-data.ts';
import { databaseBytes, defaultPreviewBytes, folderBytes, fullResolutionFilms } from './support/sizes.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const AGENTS = env('CXR_BENCH_SCALE_AGENTS', 10);
const PER_AGENT = env('CXR_BENCH_SCALE_MESSAGES', 100);
const INFLIGHT = env('CXR_BENCH_SCALE_INFLIGHT', 8);
const ROWS = env('CXR_BENCH_SCALE_ROWS', 1_000_000);
const QUERIES = env('CXR_BENCH_SCALE_QUERIES', 200);
const PASSWORD = 'bench-password';
/** The hub's pull requests expire after this (hub/broker/nats-results.ts). */
const PULL_EXPIRY_MS = 5000;

/** Each client keeps INFLIGHT payloads unconfirmed; resolves with the rate (payloads per second). */
async function drive(
  clients: MqttClient[],
  lists: { id: string; json: string }[][],
  topicOf: (c: number) => string,
  confirmation: (c: number, id: string) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      const list = lists[c]!;
      let next = 0;
      const worker = async () => {
        while (next < list.length) {
          const { id, json } = list[next++]!;
          const confirmed = confirmation(c, id);
          await client.publishAsync(topicOf(c), json, { qos: 1 });
          await confirmed;
        }
      };
      await Promise.all(Array.from({ length: INFLIGHT }, worker));
    }),
  );
  return lists.reduce((n, l) => n + l.length, 0) / ((performance.now() - started) / 1000);
}

const connect = (url: string, username: string, clientId: string) =>
  mqtt.connectAsync(url, {
    username,
    password: PASSWORD,
    clientId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
  });

const countOf = (lists: unknown[][]) => lists.reduce((n, l) => n + l.length, 0);

/** From now: the CPU milliseconds these processes (or `seconds()`) spend until the returned function is called. */
function cpuOf(pids: number[], seconds = () => pids.reduce((n, pid) => n + processSeconds(pid), 0)) {
  const start = seconds();
  return () => (seconds() - start) * 1000;
}

/**
 * Deliveries the shared results consumer has made so far, first ones and again ones together (its delivered
 * consumer sequence; `num_redelivered` counts only redeliveries still unacked, 0 once a run is over).
 */
async function deliveries(nats: NatsCluster): Promise<number> {
  const nc = await connectNats({ servers: nats.natsUrls, user: 'cxr-hub', pass: PASSWORD });
  try {
    return (await (await jetstreamManager(nc)).consumers.info('$MQTT_msgs', 'cxr-hub-results')).delivered.consumer_seq;
  } finally {
    await nc.close();
  }
}

/** Raw NATS MQTT QoS 1: the same clients and payloads, each delivered to one QoS 1 subscriber. */
async function rawRate(
  nats: NatsCluster,
  lists: { id: string; json: string }[][],
): Promise<{ rate: number; natsMs: number }> {
  const sink = await connect(nats.mqttUrls[0]!, 'bench', 'bench-sink');
  const waiting = new Map<string, () => void>();
  sink.on('message', (_topic, payload) => {
    const id = /"resultId":"([0-9a-f]{64})"/.exec(payload.toString('latin1', 0, 300))?.[1];
    if (id) waiting.get(id)?.();
  });
  await sink.subscribeAsync('raw/#', { qos: 1 });
  const clients = await Promise.all(lists.map((_, c) => connect(nats.mqttUrls[c % 3]!, 'bench', `bench-raw-${c}`)));
  const natsCpu = cpuOf(natsServerPids(nats.mqttUrls));
  const rate = await drive(
    clients,
    lists,
    (c) => `raw/${c}`,
    (_c, id) => new Promise<void>((resolve) => waiting.set(id, resolve)),
  );
  const natsMs = natsCpu() / countOf(lists);
  await Promise.all([...clients, sink].map((c) => c.endAsync()));
  return { rate, natsMs };
}

/** `replicas` hub processes on a fresh database; agents publish results and wait for the hub's acks. */
async function hubRate(
  nats: NatsCluster,
  postgres: PostgresCluster,
  agents: AgentAddress[],
  lists: { id: string; json: string }[][],
  replicas: number,
): Promise<{
  rate: number;
  stored: number;
  split: number[];
  redelivered: number;
  dbBytes: number;
  blobBytes: number;
  cpuMs: Record<string, number>;
}> {
  const url = await postgres.createDatabase();
  const dataDir = tempDir('cxr-bench-scale-');
  const config = hubConfig(
    {
      dataDir,
      database: { url },
      mqtt: {
        broker: 'nats',
        url: nats.mqttUrls[0],
        failoverUrls: nats.mqttUrls.slice(1),
        username: 'cxr-hub',
        password: PASSWORD,
      },
      nats: { servers: [...nats.natsUrls] },
      logLevel: 'warn',
    },
    agents,
  );
  const configFile = join(dataDir, 'hub.json');
  writeFileSync(configFile, JSON.stringify(config));
  const hubs = await Promise.all(
    Array.from({ length: replicas }, async () => startHubProcess(configFile, await freePort())),
  );
  const clients = await Promise.all(
    agents.map((a, c) => connect(nats.mqttUrls[c % 3]!, `${a.site}/${a.agent}`, `bench-${a.site}-${a.agent}`)),
  );
  const acked = clients.map(() => new Map<string, () => void>());
  await Promise.all(
    clients.map(async (client, c) => {
      client.on('message', (_t, payload) => acked[c]!.get(JSON.parse(payload.toString()).resultId)?.());
      await client.subscribeAsync(topicFor(agents[c]!, 'ack'), { qos: 1 });
    }),
  );
  const deliveredBefore = await deliveries(nats);
  const cpu = {
    hub: cpuOf(hubs.map((h) => h.pid)),
    nats: cpuOf(natsServerPids(nats.mqttUrls)),
    postgres: cpuOf([], () => postgresSeconds(Number(new URL(url).port))),
    // This process: the simulated agents' MQTT clients.
    agents: cpuOf([], () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6;
    }),
  };
  const rate = await drive(
    clients,
    lists,
    (c) => topicFor(agents[c]!, 'result'),
    (c, id) => new Promise<void>((resolve) => acked[c]!.set(id, resolve)),
  );
  const cpuMs = Object.fromEntries(Object.entries(cpu).map(([name, spent]) => [name, spent() / countOf(lists)]));
  // Each result is delivered once; more deliveries are redeliveries (an ack wait passed).
  const redelivered = (await deliveries(nats)) - deliveredBefore - countOf(lists);
  // Which replica stored how many (each replica's own ingest counters).
  const split = await Promise.all(
    hubs.map(async (h) => {
      const admin = await login(h.url, 'boss', PASSWORDS.admin);
      return ((await (await admin.get('/api/ingest')).json()) as { stored: number }).stored;
    }),
  );
  await Promise.all(clients.map((c) => c.endAsync()));
  await Promise.all(hubs.map((h) => h.stop()));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const stored = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM results')).rows[0]!.n);
  await db.end();
  return {
    rate,
    stored,
    split,
    redelivered,
    cpuMs,
    dbBytes: await databaseBytes(url),
    blobBytes: folderBytes(join(dataDir, 'blobs')),
  };
}

async function ingestBench(postgres: PostgresCluster) {
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ site: `site-${i % 5}`, agent: `agent-${i}` }));
  const hash = natsPasswordHash(PASSWORD);
  const nats = await startNatsCluster({
    users: [
      hubUserEntry('cxr-hub', hash),
      JSON.stringify({ user: 'bench', password: hash }), // the raw-rate clients: no limits
      ...agents.map((a) => agentUserEntry(a, hash)),
    ],
  });
  try {
    const fresh = () => Promise.all(agents.map((a) => payloads(a, PER_AGENT)));
    const oneLists = await fresh();
    // 1-minute load average before and after each measurement: the machine is shared.
    const load = [loadavg()[0]!];
    const raw = await rawRate(nats, await fresh());
    load.push(loadavg()[0]!);
    const one = await hubRate(nats, postgres, agents, oneLists, 1);
    load.push(loadavg()[0]!);
    // nats-server 2.9.10 still hands messages to the stopped replicas' pull requests until they expire (5 s):
    // those wait `nats.ackWaitS` (30 s) before another replica gets them (docs/scale-out.md). Not what is measured.
    await new Promise((resolve) => setTimeout(resolve, PULL_EXPIRY_MS + 2000));
    const twoLists = await fresh();
    load.push(loadavg()[0]!);
    const two = await hubRate(nats, postgres, agents, twoLists, 2);
    load.push(loadavg()[0]!);
    const during = (i: number) => `load ${load[i]!.toFixed(1)} → ${load[i + 1]!.toFixed(1)}`;
    const total = AGENTS * PER_AGENT;
    console.log(
      `ingest: ${AGENTS} agents × ${PER_AGENT} results (512 px previews, every blob new), ${INFLIGHT} in flight per agent; NATS 3 nodes (R3), PostgreSQL fsync on`,
    );
    console.log(`  NATS MQTT raw QoS 1 (one subscriber):  ${raw.rate.toFixed(0)} msg/s  (${during(0)})`);
    console.log(
      `  1 hub replica (ack after commit):      ${one.rate.toFixed(0)} results/s  (${one.stored}/${total} stored, ${one.redelivered} redelivered; ${during(1)})`,
    );
    console.log(
      `  2 hub replicas (shared consumer):      ${two.rate.toFixed(0)} results/s  (${two.stored}/${total} stored: ${two.split.join(' + ')} by replica, ${two.redelivered} redelivered; ${during(3)})`,
    );
    console.log(
      `  ratios: 1 replica / raw ${(one.rate / raw.rate).toFixed(2)}, 2 replicas / raw ${(two.rate / raw.rate).toFixed(2)}, 2 / 1 ${(two.rate / one.rate).toFixed(2)}`,
    );
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    console.log(`  CPU per message: NATS raw ${ms(raw.natsMs)} (3 nodes together)`);
    for (const [name, run] of [
      ['1 replica', one],
      ['2 replicas', two],
    ] as const) {
      const { hub, nats: broker, postgres: db, agents: clients } = run.cpuMs;
      const total = hub! + broker! + db! + clients!;
      console.log(
        `  CPU per result, ${name}: hub ${ms(hub!)}, NATS ${ms(broker!)}, PostgreSQL ${ms(db!)}, agents' clients ${ms(clients!)}; total ${ms(total)} = ${((total * run.rate) / 1000).toFixed(2)} cores busy at ${run.rate.toFixed(0)}/s`,
      );
    }
    const messages = oneLists.flat();
    const messageBytes = messages.reduce((n, m) => n + Buffer.byteLength(m.json), 0) / messages.length;
    const previewBytes =
      messages.reduce((n, m) => n + Buffer.from(JSON.parse(m.json).preview.base64, 'base64').length, 0) /
      messages.length;
    const emptyUrl = await postgres.createDatabase();
    await (await openHubDatabase(emptyUrl)).close();
    const emptyBytes = await databaseBytes(emptyUrl);
    console.log(
      `sizes: result message ${messageBytes.toFixed(0)} B as published (512 px preview ${previewBytes.toFixed(0)} B JPEG); the agent's default 1024 px preview (JPEG q85) of the ${fullResolutionFilms().length} full-resolution NIH films ${(await defaultPreviewBytes()).toFixed(0)} B`,
    );
    console.log(
      `  PostgreSQL per stored result (tables + indexes + TOAST, 1 replica run): ${((one.dbBytes - emptyBytes) / one.stored).toFixed(0)} B; preview blobs ${(one.blobBytes / one.stored).toFixed(0)} B`,
    );
    const status = statusMessage('clinic-0001', 'xr-1', {
      uptimeS: 86_400,
      quarantined: 0,
      diskFreeBytes: 52e9,
      intakePaused: false,
      acksStalled: false,
    });
    console.log(`  status message (every field set) ${JSON.stringify(status).length} B`);
  } finally {
    await nats.stop();
  }
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function worklistBench(postgres: PostgresCluster) {
  const url = await postgres.createDatabase();
  const hubDb = await openHubDatabase(url);
  const t0 = Date.UTC(2026, 0, 1);
  let started = performance.now();
  await bulkInsertResults(hubDb, ROWS, t0);
  const insertS = (performance.now() - started) / 1000;
  const store = createResultsStore(hubDb);
  const nowMs = t0 + ROWS * 5000;
  const base = { nowMs, status: 'unread' as const };
  const walk = async (sort: 'triage' | 'oldest') => {
    const cursors: NonNullable<Awaited<ReturnType<typeof store.worklist>>['next']>[] = [];
    let cursor = (await store.worklist({ ...base, sort, limit: 200 })).next;
    while (cursor && cursors.length < 2000) {
      cursors.push(cursor);
      cursor = (await store.worklist({ ...base, sort, limit: 150, cursor })).next;
    }
    return cursors;
  };
  const triageCursors = await walk('triage');
  const oldestCursors = await walk('oldest');
  const any = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const cases: Record<string, () => WorklistQuery> = {
    'triage: first page': () => ({ ...base, limit: 50 }),
    'triage: deep page': () => ({ ...base, limit: 50, cursor: any(triageCursors) }),
    'triage: site filter': () => ({ ...base, limit: 50, site: `site-${1 + 2 * Math.floor(Math.random() * 10)}` }),
    'triage: flagged only': () => ({ ...base, limit: 50, tiers: ['urgent', 'abnormal'] }),
    'triage: finding': () => ({ ...base, status: 'all', limit: 50, finding: 'Pneumonia' }),
    'score: first page': () => ({ ...base, sort: 'score', limit: 50 }),
    'oldest: deep page': () => ({ ...base, sort: 'oldest', limit: 50, cursor: any(oldestCursors) }),
    'newest: first page': () => ({ ...base, sort: 'newest', limit: 50 }),
  };
  console.log(
    `worklist on PostgreSQL: ${ROWS.toLocaleString('en')} results bulk-inserted in ${insertS.toFixed(1)} s (${((await databaseBytes(url)) / ROWS).toFixed(0)} B per synthetic row with indexes); ${QUERIES} queries per case`,
  );
  for (const [name, make] of Object.entries(cases)) {
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const query = make();
      started = performance.now();
      const page = await store.worklist(query);
      times.push(performance.now() - started);
      if (page.items.length === 0) throw new Error(`${name}: empty page`);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(24)} p50 ${percentile(times, 50).toFixed(2)} ms   p95 ${percentile(times, 95).toFixed(2)} ms`,
    );
  }
  await hubDb.close();
}

/** `CXR_BENCH_SCALE_ONLY=worklist` (or `ingest`) runs one half. */
export async function run(): Promise<void> {
  const only = process.env.CXR_BENCH_SCALE_ONLY;
  const postgres = await startPostgres({ durable: true });
  try {
    if (only !== 'worklist') await ingestBench(postgres);
    if (only !== 'ingest') await worklistBench(postgres);
  } finally {
    await postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
