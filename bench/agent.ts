/**
 * Agent benchmark (`cxr bench agent`), on 1024² 8-bit DICOMs (distinct copies of the nccid sample, a few pixel
 * bytes changed so every file has its own content hash), per runtime (OpenVINO, ONNX Runtime) and pixel policy
 * (`preview`: de-identified preview JPEG + evidence maps rendered, burned-in text detection first; `none`: nothing
 * rendered):
 * - burst: N files renamed into the watch folder at once → images/s until the last outbox commit, and the cores
 *   the process kept busy meanwhile;
 * - pure inference of the same session (batches of batchSize, preprocessed inputs, two in flight) and the ratio
 *   end-to-end / pure (issue #16 goal: >= 0.25 with preview and heatmap);
 * - latency: files arriving one at a time at ~half the burst rate → p50/p95 from file complete to committed, as
 *   the agent measures it (its `scored` log line; goal p50 <= 30 ms), and from file appears → outbox row, which
 *   includes the completeness window `stableMs` (200 ms here);
 * - a per-stage time table per image (the results' timingsMs, p50/p95), for the latency files and the burst;
 * - RSS while a backlog of CXR_BENCH_BACKLOG files (default 10,000) present at start-up is worked through for
 *   CXR_BENCH_BACKLOG_SECONDS (default 120), sampled every 250 ms, against the memory budget (default 1 GB); then
 *   on a mix of CXR_BENCH_MIX_LARGE (3) films of CXR_BENCH_MIX_SIDE² (7000) among CXR_BENCH_MIX_SMALL (40) 1024²
 *   ones (support/agent-memory.ts).
 * The machine's load average is printed with each figure. Results go only to the local outbox (no broker).
 *
 * Model: `models/baseline/` when it verifies against models/trusted-keys, else a random-weight DenseNet-BC with
 * the seed's final scaling at 1x224x224. Env: CXR_BENCH_BURST (default 200), CXR_BENCH_LATENCY_FILES (40),
 * CXR_BENCH_RUNTIMES (openvino,onnxruntime), CXR_BENCH_POLICIES (preview,none), CXR_BENCH_BACKLOG_POLICY (preview),
 * CXR_BENCH_TEXT_DETECTORS (the agent's `pixels.textDetectors`; 0: its default, one per GiB of memory budget),
 * CXR_BENCH_TEXT_DETECTION_THREADS (`pixels.textDetectionThreads`; 0: its default, the workers shared out).
 * The RSS figures are the whole process's: for the agent's own, run one memory workload alone in a fresh process
 * (`CXR_BENCH_RUNTIMES= CXR_BENCH_BACKLOG=0` for the mix; `CXR_BENCH_MIX_LARGE=0` for the backlog).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { preprocess } from '../models/preprocess/preprocess.ts';
import type { RuntimeName } from '../models/runtime/types.ts';
import {
  coresBusy,
  load,
  percentile,
  type ScoredLine,
  scoredSink,
  stageTable,
  withCommit,
} from './support/agent-figures.ts';
import { benchBacklog, benchMix, copyOf } from './support/agent-memory.ts';
import { benchModel } from './support/bench-model.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BURST = Number(process.env.CXR_BENCH_BURST ?? 200);
const LATENCY_FILES = Number(process.env.CXR_BENCH_LATENCY_FILES ?? 40);
const BACKLOG = Number(process.env.CXR_BENCH_BACKLOG ?? 10_000);
const BACKLOG_SECONDS = Number(process.env.CXR_BENCH_BACKLOG_SECONDS ?? 120);
type Policy = 'preview' | 'none';
const RUNTIMES = (process.env.CXR_BENCH_RUNTIMES ?? 'openvino,onnxruntime').split(',').filter(Boolean) as RuntimeName[];
const POLICIES = (process.env.CXR_BENCH_POLICIES ?? 'preview,none').split(',') as Policy[];
const MIX_LARGE = Number(process.env.CXR_BENCH_MIX_LARGE ?? 3);
const MIX_SIDE = Number(process.env.CXR_BENCH_MIX_SIDE ?? 7000);
const MIX_SMALL = Number(process.env.CXR_BENCH_MIX_SMALL ?? 40);
const BACKLOG_POLICY = (process.env.CXR_BENCH_BACKLOG_POLICY ?? 'preview') as Policy;
const SAMPLE = join(ROOT, 'models/samples/dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');
const silent = pino({ level: 'silent' });

function benchConfig(
  work: string,
  model: { dir: string; keysDir: string },
  runtime: RuntimeName | 'auto',
  policy: Policy,
) {
  return parseAgentConfig(
    {
      site: 'bench',
      agentId: `${runtime}-${policy}`,
      siteSecret: 'bench-secret-0123456789',
      dataDir: join(work, 'data'),
      watch: [{ path: join(work, 'in'), stableMs: 200 }],
      model: { dir: model.dir, trustedKeysDir: model.keysDir, runtime, cacheDir: join(work, 'cache') },
      mqtt: { url: 'mqtt://127.0.0.1:1', retryInitialMs: 60_000 },
      http: { port: -1 },
      disk: { minFreeBytes: 0, minFreePercent: 0 },
      pixels: {
        policy,
        textDetectors: Number(process.env.CXR_BENCH_TEXT_DETECTORS ?? 0),
        textDetectionThreads: Number(process.env.CXR_BENCH_TEXT_DETECTION_THREADS ?? 0),
      },
      logLevel: 'info',
    },
    work,
  );
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

interface Committed {
  at: number;
  imageKey: string;
  timingsMs: Record<string, number>;
}

/** Outbox rows: commit-side time, pseudonymous image key and stage timings of each result. */
function committed(dbPath: string): Committed[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT created_at AS at, payload FROM outbox ORDER BY at').all() as {
      at: number;
      payload: string;
    }[];
    return rows.map((r) => {
      const payload = JSON.parse(r.payload) as { keys: { image: string }; timingsMs: Record<string, number> };
      return { at: r.at, imageKey: payload.keys.image, timingsMs: payload.timingsMs };
    });
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

async function benchSession(
  runtime: RuntimeName,
  policy: Policy,
  model: { dir: string; keysDir: string },
  base: Buffer,
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), `cxr-bench-agent-${runtime}-`));
  const config = benchConfig(work, model, runtime, policy);
  await mkdir(join(work, 'in'), { recursive: true });
  await mkdir(join(work, 'stage'), { recursive: true });
  let active: ActiveModel;
  try {
    active = await loadActiveModel(config.model, silent);
  } catch (error) {
    process.stdout.write(`${runtime}: unavailable (${(error as Error).message.split('\n')[0]})\n`);
    return;
  }
  const loadAtPure = load();
  const pure = await pureInference(active, config.batchSize, 64);
  const sink = scoredSink();
  const agent = await startAgent(config, { model: active, logger: pino({ level: 'info' }, sink.stream) });
  const dbPath = join(config.dataDir, 'agent.db');
  const label = `${active.session.runtime}, pixels ${policy}`;
  try {
    // Burst: stage the files, then rename them in at once.
    for (let n = 0; n < BURST; n++) await writeFile(join(work, 'stage', `b${n}.dcm`), copyOf(base, n + 1));
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    for (let n = 0; n < BURST; n++) await rename(join(work, 'stage', `b${n}.dcm`), join(work, 'in', `b${n}.dcm`));
    await waitFor(() => agent.store.outboxSize() >= BURST, 1_800_000);
    const burstMs = (committed(dbPath).at(-1)?.at ?? t0) - t0;
    const burstRate = BURST / (burstMs / 1000);
    const cores = coresBusy(process.cpuUsage(cpu0), Date.now() - t0);
    const loadAtBurst = load();

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
    await waitFor(() => sink.lines.length >= BURST + LATENCY_FILES, 1_800_000);
    const rows = committed(dbPath);
    // The log line carries the image key's first 16 characters (the agent's log key), the result the whole key.
    const lines = new Map<string, ScoredLine>(sink.lines.map((l) => [l.image, l]));
    const lineOf = (c: Committed) => lines.get(c.imageKey.slice(0, 16));
    const latencyRows = rows.filter((c) => appeared.has(c.imageKey));
    const burstRows = rows.filter((c) => !appeared.has(c.imageKey));
    const completeToCommit = latencyRows.map((c) => lineOf(c)?.endToEndMs ?? Number.NaN);
    const appearToRow = latencyRows.map((c) => c.at - (appeared.get(c.imageKey) as number));
    const p = (xs: number[], q: number) => percentile(xs, q).toFixed(0);
    process.stdout.write(
      `\n${label}: end-to-end ${burstRate.toFixed(1)} img/s (burst of ${BURST}, ${cores} cores busy, load ${loadAtBurst}) | ` +
        `pure inference ${pure.toFixed(1)} img/s (batch ${config.batchSize}, load ${loadAtPure}) | ` +
        `ratio ${(burstRate / pure).toFixed(3)}\n` +
        `${label}: file complete → committed p50 ${p(completeToCommit, 50)} ms, p95 ${p(completeToCommit, 95)} ms; ` +
        `file appears → outbox row p50 ${p(appearToRow, 50)} ms, p95 ${p(appearToRow, 95)} ms ` +
        `(${LATENCY_FILES} files, 1 per ${gapMs.toFixed(0)} ms, stableMs 200, load ${load()})\n`,
    );
    const timings = (list: Committed[]) => list.map((c) => withCommit(c.timingsMs, lineOf(c)));
    const table = stageTable([
      { name: 'one at a time', timings: timings(latencyRows) },
      { name: 'burst', timings: timings(burstRows) },
    ]);
    process.stdout.write(`${table.join('\n')}\n`);
  } finally {
    await agent.close();
    await active.session.close();
    await rm(work, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-agent-model-'));
  try {
    const model = await benchModel(ROOT, work);
    const base = readFileSync(SAMPLE);
    process.stdout.write(
      `model: ${model.label}; input: 1024² 8-bit DICOM (implicit LE); load at start ${load()} (1, 5, 15 min)\n`,
    );
    for (const runtime of RUNTIMES) for (const policy of POLICIES) await benchSession(runtime, policy, model, base);
    const memory = (policy: Policy) => ({
      config: (dir: string) => benchConfig(dir, model, 'auto', policy),
      base,
      label: `pixels ${policy}`,
    });
    if (BACKLOG > 0) await benchBacklog(memory(BACKLOG_POLICY), BACKLOG, BACKLOG_SECONDS);
    if (MIX_LARGE > 0) await benchMix(memory(BACKLOG_POLICY), MIX_LARGE, MIX_SIDE, MIX_SMALL);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
