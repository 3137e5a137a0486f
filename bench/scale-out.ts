/**
 * Scale-out benchmarks (`node --import tsx bench/scale-out.ts`, or `npm run bench -- scale-out`), in one run:
 *  1. Ingest on PostgreSQL (durable: fsync and synchronous commit on) through a 3-node NATS cluster (Debian's
 *     nats-server, MQTT over JetStream, streams on all three nodes): simulated agents (real MQTT clients, each
 *     logged in as itself) publish real ResultMessages (512 px JPEG preview, every blob distinct, activation
 *     grids) and wait for the hub's ack (= row committed). With 1 and with 2 hub processes (`cxr hub`, the
 *     shared JetStream consumer), against the raw NATS MQTT QoS 1 rate of the same clients and payloads (publish
 *     → delivered to one QoS 1 subscriber) measured in the same run.
 *  2. Worklist on PostgreSQL with N results (bulk-inserted by one INSERT … SELECT over generate_series in one
 *     transaction, the same distribution as bench/hub.ts): p50/p95 of the default triage order (first page, deep
 *     keyset pages, site filter, flagged only) and of the other orders.
 *  3. Sizes for capacity planning (docs/scale-out.md, sizing): mean result message bytes (as published), the
 *     agent's default 1024 px preview of the full-resolution sample films, PostgreSQL bytes per stored result (all tables and
 *     indexes, over an empty migrated database) and preview blob bytes per result; bytes per synthetic row at N.
 * Env: CXR_BENCH_SCALE_AGENTS (10), CXR_BENCH_SCALE_MESSAGES per agent (100), CXR_BENCH_SCALE_INFLIGHT (8),
 *      CXR_BENCH_SCALE_ROWS (1000000), CXR_BENCH_SCALE_QUERIES (200), CXR_BENCH_SCALE_ONLY (ingest | worklist).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import sharp from 'sharp';
import { agentUserEntry, hubUserEntry, natsPasswordHash } from '../hub/broker/nats-users-file.ts';
import { type HubDb, openHubDatabase } from '../hub/db/database.ts';
import { createResultsStore, type WorklistQuery } from '../hub/results/results-store.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../protocol/topics.ts';
import { hubConfig, resultMessage, tempDir } from '../test/hub/fixtures.ts';
import { samplePaths } from '../test/hub/realistic-result.ts';
import { startHubProcess } from '../test/support/hub-process.ts';
import { freePort } from '../test/support/mosquitto.ts';
import { type NatsCluster, startNatsCluster } from '../test/support/nats.ts';
import { type PostgresCluster, startPostgres } from '../test/support/postgres.ts';
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

/** Real ResultMessages with a 512 px JPEG preview; unique trailing bytes make every blob a new file. */
async function payloads(address: AgentAddress, n: number): Promise<{ id: string; json: string }[]> {
  const preview = await sharp(samplePaths()[0]!).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
  const meta = await sharp(preview).metadata();
  const grid = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => (i % 16 > 8 ? 40 + i / 2 : 0))).toString(
    'base64',
  );
  const out = [];
  for (let i = 0; i < n; i++) {
    const unique = createHash('sha256').update(`${address.site}${address.agent}${i}${Math.random()}`).digest();
    const base = await resultMessage({ site: address.site, agent: address.agent });
    const message: ResultMessage = {
      ...base,
      preview: {
        mime: 'image/jpeg',
        width: meta.width!,
        height: meta.height!,
        base64: Buffer.concat([preview, unique]).toString('base64'),
      },
      activation: { width: 16, height: 16, maps: { Effusion: grid, Pneumonia: grid, Atelectasis: grid } },
    };
    out.push({ id: message.resultId, json: JSON.stringify(message) });
  }
  return out;
}

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

/** Raw NATS MQTT QoS 1: the same clients and payloads, each delivered to one QoS 1 subscriber. */
async function rawRate(nats: NatsCluster, lists: { id: string; json: string }[][]): Promise<number> {
  const sink = await connect(nats.mqttUrls[0]!, 'bench', 'bench-sink');
  const waiting = new Map<string, () => void>();
  sink.on('message', (_topic, payload) => {
    const id = /"resultId":"([0-9a-f]{64})"/.exec(payload.toString('latin1', 0, 300))?.[1];
    if (id) waiting.get(id)?.();
  });
  await sink.subscribeAsync('raw/#', { qos: 1 });
  const clients = await Promise.all(lists.map((_, c) => connect(nats.mqttUrls[c % 3]!, 'bench', `bench-raw-${c}`)));
  const rate = await drive(
    clients,
    lists,
    (c) => `raw/${c}`,
    (_c, id) => new Promise<void>((resolve) => waiting.set(id, resolve)),
  );
  await Promise.all([...clients, sink].map((c) => c.endAsync()));
  return rate;
}

/** `replicas` hub processes on a fresh database; agents publish results and wait for the hub's acks. */
async function hubRate(
  nats: NatsCluster,
  postgres: PostgresCluster,
  agents: AgentAddress[],
  lists: { id: string; json: string }[][],
  replicas: number,
): Promise<{ rate: number; stored: number; dbBytes: number; blobBytes: number }> {
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
  const rate = await drive(
    clients,
    lists,
    (c) => topicFor(agents[c]!, 'result'),
    (c, id) => new Promise<void>((resolve) => acked[c]!.set(id, resolve)),
  );
  await Promise.all(clients.map((c) => c.endAsync()));
  await Promise.all(hubs.map((h) => h.stop()));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const stored = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM results')).rows[0]!.n);
  await db.end();
  return { rate, stored, dbBytes: await databaseBytes(url), blobBytes: folderBytes(join(dataDir, 'blobs')) };
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
    const raw = await rawRate(nats, await fresh());
    const one = await hubRate(nats, postgres, agents, oneLists, 1);
    // nats-server 2.9.10 still hands messages to the stopped replicas' pull requests until they expire (5 s):
    // those wait `nats.ackWaitS` (30 s) before another replica gets them (docs/scale-out.md). Not what is measured.
    await new Promise((resolve) => setTimeout(resolve, PULL_EXPIRY_MS + 2000));
    const two = await hubRate(nats, postgres, agents, await fresh(), 2);
    const total = AGENTS * PER_AGENT;
    console.log(
      `ingest: ${AGENTS} agents × ${PER_AGENT} results (512 px previews, every blob new), ${INFLIGHT} in flight per agent; NATS 3 nodes (R3), PostgreSQL fsync on`,
    );
    console.log(`  NATS MQTT raw QoS 1 (one subscriber):  ${raw.toFixed(0)} msg/s`);
    console.log(
      `  1 hub replica (ack after commit):      ${one.rate.toFixed(0)} results/s  (${one.stored}/${total} stored)`,
    );
    console.log(
      `  2 hub replicas (shared consumer):      ${two.rate.toFixed(0)} results/s  (${two.stored}/${total} stored)`,
    );
    console.log(
      `  ratios: 1 replica / raw ${(one.rate / raw).toFixed(2)}, 2 replicas / raw ${(two.rate / raw).toFixed(2)}, 2 / 1 ${(two.rate / one.rate).toFixed(2)}`,
    );
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
  } finally {
    await nats.stop();
  }
}

/**
 * `rows` synthetic results in one transaction, computed by PostgreSQL (generate_series), with bench/hub.ts's
 * distribution: ~3 % urgent, ~20 % flagged, ~15 % indeterminate, the rest likely normal; 20 sites; every 4th
 * read; one row every 5 s from t0; then their flag rows and fresh planner statistics.
 */
async function bulkInsertResults(db: HubDb, rows: number, t0: number): Promise<void> {
  await db.transaction(async (tx) => {
    await sql`
      INSERT INTO results (result_id, site, agent, image_key, received_at, scored_at, scored_ms, ingested_at,
        model_name, model_version, runtime, rank, flagged, max_probability, status, classes, probabilities, flags,
        timings, image, tier, tier_rank, score, score_key, arrived_ms, acquired, triage)
      SELECT encode(sha256(convert_to(g.i::text, 'UTF8')), 'hex'), 'site-' || (g.i % 20), 'agent-' || (g.i % 100),
        repeat('ab', 16), t.iso, t.iso, m.ms, t.iso, 'bench', '1.0.0', 'openvino', r.rank,
        CASE WHEN r.rank <= 1 THEN 1 ELSE 0 END, s.score, CASE WHEN g.i % 4 = 0 THEN 'reviewed' ELSE 'unread' END,
        '["Atelectasis","Effusion","Pneumonia"]', '{"Atelectasis":0.1,"Effusion":' || s.score || ',"Pneumonia":0.2}',
        f.flags, '{}', '{"format":"png","rows":1024,"cols":1024}',
        (ARRAY['urgent', 'abnormal', 'indeterminate', 'likely-normal'])[r.rank + 1], r.rank, s.score,
        1000000 - round(least(1, greatest(0, s.score)) * 1000000)::integer, m.ms - (g.i % 11) * 60000,
        CASE WHEN g.i % 3 = 0 THEN 1 ELSE 0 END,
        '{"findings":' || f.flags || ',"urgentFindings":' || CASE WHEN r.rank = 0 THEN '["Effusion"]' ELSE '[]' END ||
          ',"findingClasses":["Atelectasis","Effusion","Pneumonia"],"operatingPoints":{}}'
      FROM generate_series(0, ${rows - 1}::bigint) AS g(i)
      CROSS JOIN LATERAL (SELECT ${t0}::bigint + g.i * 5000 AS ms) m
      CROSS JOIN LATERAL (SELECT to_char(to_timestamp(m.ms / 1000.0) AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso) t
      CROSS JOIN LATERAL (SELECT CASE WHEN g.i % 10 = 0 THEN '["Effusion"]'
        WHEN g.i % 37 = 0 THEN '["Effusion","Pneumonia"]' ELSE '[]' END AS flags) f
      CROSS JOIN LATERAL (SELECT CASE WHEN g.i % 37 = 0 THEN 0 WHEN f.flags <> '[]' THEN 1
        WHEN g.i % 7 = 0 THEN 2 ELSE 3 END AS rank) r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.rank <= 1 THEN 0.5 + ((g.i * 7919) % 500) / 1000.0
        ELSE ((g.i * 7919) % 300) / 1000.0 END AS score) s`.execute(tx.kysely);
    await sql`INSERT INTO result_flags (result_row, class)
      SELECT id, f FROM results, jsonb_array_elements_text(flags::jsonb) AS f`.execute(tx.kysely);
  });
  await sql`ANALYZE results`.execute(db.kysely);
  await sql`ANALYZE result_flags`.execute(db.kysely);
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
