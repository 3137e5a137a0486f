/**
 * Agent benchmark, per runtime (OpenVINO, ONNX Runtime), on 1024² DICOMs (distinct copies of the nccid sample,
 * a few pixel bytes changed so every file has its own content hash):
 * - burst: N files renamed into the watch folder at once → images/s until the last outbox commit;
 * - latency: files arriving one at a time at ~half the burst rate → p50/p95 of (file appears → outbox row
 *   committed), which includes the completeness window `stableMs` (set to 200 ms here);
 * - pure inference throughput of the same session (batches of batchSize, preprocessed inputs) and the ratio
 *   end-to-end / pure (target >= 0.8);
 * - RSS while a backlog of CXR_BENCH_BACKLOG files (default 10,000) present at start-up is worked through
 *   (CXR_BENCH_BACKLOG_SECONDS, default 120).
 * Results go only to the local outbox (no broker: the agent runs offline). Pixels are rendered (sendPixels).
 *
 * Model: `models/baseline/` when it verifies against models/trusted-keys, else a random-weight DenseNet-BC with
 * the seed's final scaling at 1x224x224. Env: CXR_BENCH_BURST (default 200), CXR_BENCH_LATENCY_FILES (40).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pino from 'pino';
import { parseAgentConfig } from '../agent/config.ts';
import { startAgent } from '../agent/main.ts';
import { type ActiveModel, loadActiveModel } from '../agent/model/active-model.ts';
import { pseudonymize } from '../models/deid/pseudonymize.ts';
import { readImage } from '../models/image/read-image.ts';
import { buildRandomDenseNet } from '../models/onnx/random-densenet.ts';
import { graphStats } from '../models/onnx/shapes.ts';
import { writeOnnx } from '../models/onnx/write-onnx.ts';
import { generateKeyPair } from '../models/package/keys.ts';
import { writeModelPackage } from '../models/package/write-package.ts';
import { preprocess } from '../models/preprocess/preprocess.ts';
import type { RuntimeName } from '../models/runtime/types.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BURST = Number(process.env.CXR_BENCH_BURST ?? 200);
const LATENCY_FILES = Number(process.env.CXR_BENCH_LATENCY_FILES ?? 40);
const BACKLOG = Number(process.env.CXR_BENCH_BACKLOG ?? 10_000);
const BACKLOG_SECONDS = Number(process.env.CXR_BENCH_BACKLOG_SECONDS ?? 120);
const SAMPLE = join(ROOT, 'models/samples/dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');
const log = pino({ level: 'silent' });

/** The model dir and its trusted keys dir. */
async function benchModel(work: string): Promise<{ dir: string; keysDir: string; label: string }> {
  const baseline = join(ROOT, 'models/baseline');
  if (existsSync(join(baseline, 'manifest.json'))) {
    return { dir: baseline, keysDir: join(ROOT, 'models/trusted-keys'), label: 'models/baseline' };
  }
  const options = { size: 224, channels: 1 as const, classes: 3, blocks: [5, 11, 22, 15], growth: 34, bottleneck: 4 };
  const graph = buildRandomDenseNet({ ...options, stemFilters: 64, stemKernel: 7, seed: 42 });
  const stats = graphStats(graph);
  const keys = generateKeyPair();
  const classes = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
  const dir = join(work, 'model');
  const keysDir = join(work, 'keys');
  await mkdir(keysDir, { recursive: true });
  await writeFile(join(keysDir, 'bench.pub.pem'), keys.publicKeyPem);
  await writeModelPackage(dir, {
    onnx: writeOnnx(graph),
    privateKeyPem: keys.privateKeyPem,
    manifest: {
      formatVersion: 1,
      name: 'bench-random-densenet',
      version: '0.0.0',
      createdAt: new Date().toISOString(),
      classes,
      input: { size: 224, channels: 1, mean: 0.5, std: 0.25, resize: 'letterbox', padValue: 0, layout: 'NCHW' },
      outputs: { probabilities: 'probabilities', cam: 'cam', inputName: 'input' },
      thresholds: Object.fromEntries(classes.map((c) => [c, { threshold: 0.5, chosenOn: 'bench' }])),
      metrics: {},
      architecture: options,
      macs: stats.macs,
      params: stats.params,
      trainingData: { note: 'random weights for benchmarking' },
      golden: [],
    },
  });
  return { dir, keysDir, label: `random DenseNet-BC 224² (${(stats.macs / 1e9).toFixed(2)} GMACs)` };
}

/** A distinct copy: the last 4 pixel bytes carry `n` (uncompressed implicit-LE sample). */
function copyOf(base: Buffer, n: number): Buffer {
  const copy = Buffer.from(base);
  copy.writeUInt32BE(n >>> 0, copy.length - 4);
  return copy;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function pureInference(model: ActiveModel, batchSize: number, images: number): Promise<number> {
  const input = preprocess(await readImage(readFileSync(SAMPLE)), model.manifest.input);
  const batch = Array.from({ length: batchSize }, () => input);
  await model.session.infer(batch); // warm-up
  const started = performance.now();
  let done = 0;
  // Two batches in flight, as the agent's batcher + workers keep the runtime busy.
  await Promise.all(
    [0, 1].map(async () => {
      while (done < images) {
        done += batchSize;
        await model.session.infer(batch);
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Outbox commit times with each result's pseudonymous image key. */
function commits(dbPath: string): { at: number; imageKey: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT created_at AS at, payload FROM outbox ORDER BY at').all() as {
      at: number;
      payload: string;
    }[];
    return rows.map((r) => ({ at: r.at, imageKey: (JSON.parse(r.payload) as { keys: { image: string } }).keys.image }));
  } finally {
    db.close();
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function benchRuntime(runtime: RuntimeName, modelDir: string, keysDir: string, base: Buffer): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), `cxr-bench-agent-${runtime}-`));
  const config = parseAgentConfig(
    {
      site: 'bench',
      agentId: runtime,
      siteSecret: 'bench-secret-0123456789',
      dataDir: join(work, 'data'),
      watch: [{ path: join(work, 'in'), stableMs: 200 }],
      model: { dir: modelDir, trustedKeysDir: keysDir, runtime, cacheDir: join(work, 'cache') },
      mqtt: { url: 'mqtt://127.0.0.1:1', retryInitialMs: 60_000 },
      http: { port: -1 },
      disk: { minFreeBytes: 0, minFreePercent: 0 },
      logLevel: 'silent',
    },
    work,
  );
  await mkdir(join(work, 'in'), { recursive: true });
  await mkdir(join(work, 'stage'), { recursive: true });
  let model: ActiveModel;
  try {
    model = await loadActiveModel(config.model, log);
  } catch (error) {
    process.stdout.write(`${runtime}: unavailable (${(error as Error).message.split('\n')[0]})\n`);
    return;
  }
  const pure = await pureInference(model, config.batchSize, 64);
  const agent = await startAgent(config, { model, logger: log });
  const dbPath = join(config.dataDir, 'agent.db');
  try {
    // Burst: stage the files, then rename them in at once.
    for (let n = 0; n < BURST; n++) await writeFile(join(work, 'stage', `b${n}.dcm`), copyOf(base, n + 1));
    const t0 = Date.now();
    for (let n = 0; n < BURST; n++) await rename(join(work, 'stage', `b${n}.dcm`), join(work, 'in', `b${n}.dcm`));
    await waitFor(() => agent.store.outboxSize() >= BURST, 600_000);
    const burstRate = BURST / (((commits(dbPath).at(-1)?.at ?? t0) - t0) / 1000);

    // Latency: one file at a time at about half the burst rate.
    const gapMs = 2000 / burstRate;
    const appeared = new Map<string, number>(); // pseudonymous image key → when the file appeared
    for (let n = 0; n < LATENCY_FILES; n++) {
      const bytes = copyOf(base, 1_000_000 + n);
      await writeFile(join(work, 'stage', `l${n}.dcm`), bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      appeared.set(pseudonymize(config.siteSecret, `image:${sha}`), Date.now());
      await rename(join(work, 'stage', `l${n}.dcm`), join(work, 'in', `l${n}.dcm`));
      await new Promise((r) => setTimeout(r, gapMs));
    }
    await waitFor(() => agent.store.outboxSize() >= BURST + LATENCY_FILES, 600_000);
    if (process.env.CXR_BENCH_DEBUG) {
      const db = new Database(dbPath, { readonly: true });
      for (const r of db.prepare('SELECT created_at AS at, payload FROM outbox').all() as {
        at: number;
        payload: string;
      }[]) {
        const p = JSON.parse(r.payload) as { keys: { image: string }; receivedAt: string; timingsMs: unknown };
        const a = appeared.get(p.keys.image);
        if (a !== undefined && r.at - a > 2000)
          process.stdout.write(
            `slow: seen +${Date.parse(p.receivedAt) - a} ms, committed +${r.at - a} ms ${JSON.stringify(p.timingsMs)}\n`,
          );
      }
      db.close();
    }
    const latencies = commits(dbPath)
      .filter((c) => appeared.has(c.imageKey))
      .map((c) => c.at - (appeared.get(c.imageKey) as number))
      .sort((a, b) => a - b);
    process.stdout.write(
      `${model.session.runtime.padEnd(11)} end-to-end ${burstRate.toFixed(1)} img/s (burst of ${BURST}) | ` +
        `pure inference ${pure.toFixed(1)} img/s (batch ${config.batchSize}) | ratio ${(burstRate / pure).toFixed(2)} | ` +
        `latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms ` +
        `(${LATENCY_FILES} files, 1 per ${gapMs.toFixed(0)} ms, stableMs 200)\n`,
    );
  } finally {
    await agent.close();
    await model.session.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function benchBacklog(modelDir: string, keysDir: string, base: Buffer): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-agent-backlog-'));
  const inDir = join(work, 'in');
  await mkdir(inDir, { recursive: true });
  for (let n = 0; n < BACKLOG; n++) await writeFile(join(inDir, `k${n}.dcm`), copyOf(base, 5_000_000 + n));
  const config = parseAgentConfig(
    {
      site: 'bench',
      agentId: 'backlog',
      siteSecret: 'bench-secret-0123456789',
      dataDir: join(work, 'data'),
      watch: [{ path: inDir, stableMs: 200 }],
      model: { dir: modelDir, trustedKeysDir: keysDir, runtime: 'auto', cacheDir: join(work, 'cache') },
      mqtt: { url: 'mqtt://127.0.0.1:1', retryInitialMs: 60_000 },
      http: { port: -1 },
      disk: { minFreeBytes: 0, minFreePercent: 0 },
      logLevel: 'silent',
    },
    work,
  );
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  const agent = await startAgent(config, { logger: log });
  let peak = 0;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    samples.push(rss);
  }, 250);
  const started = Date.now();
  try {
    await waitFor(
      () => agent.store.outboxSize() >= BACKLOG || Date.now() - started > BACKLOG_SECONDS * 1000,
      3_600_000,
    );
  } finally {
    clearInterval(sampler);
  }
  const scored = agent.store.outboxSize();
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const firstQuarter = samples.slice(0, Math.max(1, Math.floor(samples.length / 4)));
  const lastQuarter = samples.slice(-Math.max(1, Math.floor(samples.length / 4)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(
    `backlog ${BACKLOG} files (${mb(BACKLOG * base.length)} on disk), ${agent.model.session.runtime}: scored ${scored} in ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s | RSS before start ${mb(rssStart)}, peak ${mb(peak)}, ` +
      `mean first quarter ${mb(mean(firstQuarter))}, last quarter ${mb(mean(lastQuarter))}\n`,
  );
  await agent.close();
  await rm(work, { recursive: true, force: true });
}

export async function run(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-agent-model-'));
  try {
    const { dir, keysDir, label } = await benchModel(work);
    const base = readFileSync(SAMPLE);
    process.stdout.write(
      `model: ${label}; input: 1024² 8-bit DICOM (implicit LE), preview + evidence grids rendered\n`,
    );
    for (const runtime of ['openvino', 'onnxruntime'] as const) await benchRuntime(runtime, dir, keysDir, base);
    if (BACKLOG > 0) await benchBacklog(dir, keysDir, base);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
