/**
 * Hub benchmarks (`node --import tsx bench/hub.ts`):
 *  1. Ingest: many concurrent simulated agents (real MQTT clients) publish real ResultMessages (with a
 *     JPEG preview and 16×16 activation grids) through a real Mosquitto to the hub, each waiting for the hub's
 *     application ack (= row committed, synchronous=FULL). Compared with Mosquitto's raw QoS 1 rate for
 *     the same payloads and clients, measured in the same run (target ratio ≥ 0.25).
 *  2. Worklist: query p50/p95 through the results store (Kysely on SQLite) with N stored results
 *     (synthetic rows bulk-inserted with better-sqlite3 in one transaction into a migrated hub database):
 *     the default triage order (tier, score, waiting): first page, deep keyset pages, site filter, flagged-only
 *     (urgent + abnormal), finding filter, not-being-read; and the other orders (score, oldest, newest).
 * Env: CXR_BENCH_HUB_AGENTS (20), CXR_BENCH_HUB_MESSAGES per agent (100), CXR_BENCH_HUB_INFLIGHT per agent (8),
 *      CXR_BENCH_HUB_PREVIEW_PX (512), CXR_BENCH_HUB_ROWS (1000000), CXR_BENCH_HUB_QUERIES (200),
 *      CXR_BENCH_HUB_ONLY (ingest | worklist).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { openHubDatabase } from '../hub/db/database.ts';
import { startHub } from '../hub/main.ts';
import { scoreKey } from '../hub/results/result-triage.ts';
import { createResultsStore, type WorklistQuery } from '../hub/results/results-store.ts';
import { createStatsStore } from '../hub/results/stats-store.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import { topicFor } from '../protocol/topics.ts';
import { hubConfig, resultMessage, tempDir } from '../test/hub/fixtures.ts';
import { samplePaths } from '../test/hub/realistic-result.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const AGENTS = env('CXR_BENCH_HUB_AGENTS', 20);
const PER_AGENT = env('CXR_BENCH_HUB_MESSAGES', 100);
const INFLIGHT = env('CXR_BENCH_HUB_INFLIGHT', 8);
const PREVIEW_PX = env('CXR_BENCH_HUB_PREVIEW_PX', 512);
const ROWS = env('CXR_BENCH_HUB_ROWS', 1_000_000);
const QUERIES = env('CXR_BENCH_HUB_QUERIES', 200);

async function images() {
  const preview = await sharp(samplePaths()[0]!)
    .resize(PREVIEW_PX, PREVIEW_PX, { fit: 'inside' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const meta = await sharp(preview).metadata();
  const grid = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => (i % 16 > 8 ? 40 + i / 2 : 0))).toString(
    'base64',
  );
  return {
    preview,
    width: meta.width!,
    height: meta.height!,
    activation: { width: 16, height: 16, maps: { Effusion: grid, Pneumonia: grid, Atelectasis: grid } },
  };
}

/** Real ResultMessages; each preview gets unique trailing bytes so every blob is a new file. */
async function messages(site: string, agent: string, n: number, imgs: Awaited<ReturnType<typeof images>>) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const unique = Buffer.from(createHash('sha256').update(`${site}${agent}${i}${Math.random()}`).digest());
    const base = await resultMessage({ site, agent });
    const message: ResultMessage = {
      ...base,
      preview: {
        mime: 'image/jpeg',
        width: imgs.width,
        height: imgs.height,
        base64: Buffer.concat([imgs.preview, unique]).toString('base64'),
      },
      activation: imgs.activation,
    };
    out.push(JSON.stringify(message));
  }
  return out;
}

/** Each client sends its payloads keeping `INFLIGHT` unconfirmed; `confirmations` resolves one per payload. */
async function drive(
  clients: MqttClient[],
  payloads: string[][],
  topicOf: (i: number) => string,
  waitFor: (i: number, id: string) => Promise<void>,
) {
  await Promise.all(
    clients.map(async (client, c) => {
      const list = payloads[c]!;
      let next = 0;
      const worker = async () => {
        while (next < list.length) {
          const payload = list[next++]!;
          const id = JSON.parse(payload.slice(0, 200).replace(/,"site".*$/, '}')).resultId as string;
          const confirmed = waitFor(c, id);
          await client.publishAsync(topicOf(c), payload, { qos: 1 });
          await confirmed;
        }
      };
      await Promise.all(Array.from({ length: INFLIGHT }, worker));
    }),
  );
}

async function ingestBench() {
  const broker = await startMosquitto();
  const imgs = await images();
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ site: `site-${i % 5}`, agent: `agent-${i}` }));
  const payloads = await Promise.all(agents.map((a) => messages(a.site, a.agent, PER_AGENT, imgs)));
  const bytes = payloads[0]![0]!.length;
  const total = AGENTS * PER_AGENT;
  const connect = (id: string) =>
    mqtt.connectAsync(broker.url, { clientId: id, protocolVersion: 4, clean: true, reconnectPeriod: 0 });

  // 1a. Raw Mosquitto QoS 1: the same clients and payloads to one QoS 1 subscriber.
  const sink = await connect('bench-sink');
  const waiting = new Map<string, () => void>();
  sink.on('message', (_t, payload) => {
    const id = JSON.parse(
      payload
        .subarray(0, 200)
        .toString()
        .replace(/,"site".*$/, '}'),
    ).resultId as string;
    waiting.get(id)?.();
  });
  await sink.subscribeAsync('raw/#', { qos: 1 });
  const rawClients = await Promise.all(agents.map((a) => connect(`raw-${a.agent}`)));
  let started = performance.now();
  await drive(
    rawClients,
    payloads,
    (c) => `raw/${c}`,
    (_c, id) => new Promise<void>((resolve) => waiting.set(id, resolve)),
  );
  const rawRate = total / ((performance.now() - started) / 1000);
  await Promise.all([...rawClients, sink].map((c) => c.endAsync()));

  // 1b. Through the hub: publish to the agent's result topic, wait for the hub's ack.
  const hub = await startHub(
    hubConfig({ mqtt: { broker: 'external', url: broker.url, username: 'cxr-hub', password: 'x' } }),
  );
  const agentClients = await Promise.all(agents.map((a) => connect(`bench-${a.agent}`)));
  const acked = agentClients.map(() => new Map<string, () => void>());
  await Promise.all(
    agentClients.map(async (client, c) => {
      client.on('message', (_t, payload) => acked[c]!.get(JSON.parse(payload.toString()).resultId)?.());
      await client.subscribeAsync(topicFor(agents[c]!, 'ack'), { qos: 1 });
    }),
  );
  started = performance.now();
  await drive(
    agentClients,
    payloads,
    (c) => topicFor(agents[c]!, 'result'),
    (c, id) => new Promise<void>((resolve) => acked[c]!.set(id, resolve)),
  );
  const hubRate = total / ((performance.now() - started) / 1000);
  const stored = hub.hub.counters.stored;
  await Promise.all(agentClients.map((c) => c.endAsync()));
  await hub.close();
  await broker.stop();

  console.log(
    `ingest: ${AGENTS} agents × ${PER_AGENT} results, ${(bytes / 1024).toFixed(0)} KiB each (preview ${PREVIEW_PX}px), ${INFLIGHT} in flight per agent`,
  );
  console.log(`  mosquitto raw QoS 1:        ${rawRate.toFixed(0)} msg/s`);
  console.log(`  hub (ack after commit):     ${hubRate.toFixed(0)} results/s  (${stored} stored)`);
  console.log(`  ratio hub / raw:            ${(hubRate / rawRate).toFixed(2)}  (target ≥ 0.25)`);
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function worklistBench() {
  const file = join(tempDir('cxr-bench-hub-'), 'hub.db');
  await (await openHubDatabase(`sqlite:${file}`)).close(); // creates the schema
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const classes = JSON.stringify(['Atelectasis', 'Effusion', 'Pneumonia']);
  const insert = db.prepare(`INSERT INTO results (result_id, site, agent, image_key, received_at, scored_at, scored_ms,
    ingested_at, model_name, model_version, runtime, rank, flagged, max_probability, status, classes, probabilities, flags,
    timings, image, tier, tier_rank, score, score_key, arrived_ms, acquired, triage)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', '1.0.0', 'openvino', ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?)`);
  const TIER_NAMES = ['urgent', 'abnormal', 'indeterminate', 'likely-normal'] as const;
  const insertFlag = db.prepare('INSERT INTO result_flags (result_row, class) VALUES (?, ?)');
  const t0 = Date.UTC(2026, 0, 1);
  let started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const flags = i % 10 === 0 ? ['Effusion'] : i % 37 === 0 ? ['Effusion', 'Pneumonia'] : [];
      const ms = t0 + i * 5000;
      const iso = new Date(ms).toISOString();
      // ~3 % urgent, ~20 % abnormal (the flagged ones), ~15 % indeterminate, the rest likely normal.
      const rank = i % 37 === 0 ? 0 : flags.length > 0 ? 1 : i % 7 === 0 ? 2 : 3;
      const score = rank <= 1 ? 0.5 + ((i * 7919) % 500) / 1000 : ((i * 7919) % 300) / 1000;
      const triage = JSON.stringify({
        findings: flags,
        urgentFindings: rank === 0 ? ['Effusion'] : [],
        findingClasses: ['Atelectasis', 'Effusion', 'Pneumonia'],
        operatingPoints: {},
      });
      const info = insert.run(
        createHash('sha256').update(String(i)).digest('hex'),
        `site-${i % 20}`,
        `agent-${i % 100}`,
        'ab'.repeat(16),
        iso,
        iso,
        ms,
        iso,
        rank,
        rank <= 1 ? 1 : 0,
        score,
        i % 4 === 0 ? 'reviewed' : 'unread',
        classes,
        `{"Atelectasis":0.1,"Effusion":${score},"Pneumonia":0.2}`,
        JSON.stringify(flags),
        '{"format":"png","rows":1024,"cols":1024}',
        TIER_NAMES[rank],
        rank,
        score,
        scoreKey(score),
        ms - (i % 11) * 60_000,
        i % 3 === 0 ? 1 : 0,
        triage,
      );
      for (const f of flags) insertFlag.run(info.lastInsertRowid, f);
    }
  })();
  const insertS = (performance.now() - started) / 1000;
  db.close();
  const hubDb = await openHubDatabase(`sqlite:${file}`);
  const store = createResultsStore(hubDb);
  const nowMs = t0 + ROWS * 5000;
  const base = { nowMs, status: 'unread' as const };
  // Cursors spread over the whole list, taken from a walk with big pages (triage order and oldest first).
  const walk = async (sort: 'triage' | 'oldest') => {
    const cursors: NonNullable<Awaited<ReturnType<typeof store.worklist>>['next']>[] = [];
    let cursor = (await store.worklist({ ...base, sort, limit: 200 })).next;
    while (cursor && cursors.length < 5000) {
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
    'triage: not being read': () => ({ ...base, limit: 50, claimed: { kind: 'unclaimed', user: 'rad' } }),
    'score: first page': () => ({ ...base, sort: 'score', limit: 50 }),
    'oldest: deep page': () => ({ ...base, sort: 'oldest', limit: 50, cursor: any(oldestCursors) }),
    'newest: first page': () => ({ ...base, sort: 'newest', limit: 50 }),
  };
  console.log(
    `worklist: ${ROWS.toLocaleString('en')} results bulk-inserted in ${insertS.toFixed(1)} s; ${QUERIES} queries per case`,
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
      `  ${name.padEnd(26)} p50 ${percentile(times, 50).toFixed(2)} ms   p95 ${percentile(times, 95).toFixed(2)} ms`,
    );
  }
  const stats = createStatsStore(hubDb);
  started = performance.now();
  await stats.volumes(nowMs);
  const volumesMs = performance.now() - started;
  started = performance.now();
  await stats.daily(nowMs, 14);
  console.log(
    `  stats: volumes per site ${volumesMs.toFixed(0)} ms, 14-day daily volumes ${(performance.now() - started).toFixed(0)} ms`,
  );
  await hubDb.close();
}

/** `CXR_BENCH_HUB_ONLY=worklist` (or `ingest`) runs one half. */
export async function run(): Promise<void> {
  const only = process.env.CXR_BENCH_HUB_ONLY;
  if (only !== 'worklist') await ingestBench();
  if (only !== 'ingest') await worklistBench();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
