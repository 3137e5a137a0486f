/**
 * The memory half of bench/agent.ts: the agent's RSS, sampled every 250 ms, against its memory budget
 * (`memoryBudgetBytes`, default 1 GiB), on two workloads:
 * - backlog: `files` distinct 1024² DICOMs present at start-up, worked through for `seconds` (memory flat?);
 * - mix: `large` films of `side`² (8-bit, the nccid sample scaled up, nearest neighbour: ~49 MB each at 7000²)
 *   among `small` 1024² ones, all present at start-up, until every one is committed (peak under the budget?).
 * In: a config maker and the 1024² sample's bytes (implicit VR little endian, pixel data last). Out: lines on
 * stdout.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { load, mb, rssSeries } from './agent-figures.ts';

export interface MemoryBench {
  /** The agent's config for a scratch folder (watch folder `<work>/in`). */
  config(work: string): AgentConfig;
  base: Buffer;
  label: string;
}

/** A distinct copy: the last 4 pixel bytes carry `n`. */
export function copyOf(base: Buffer, n: number): Buffer {
  const copy = Buffer.from(base);
  copy.writeUInt32BE(n >>> 0, copy.length - 4);
  return copy;
}

// Where the nccid sample keeps Rows, Columns and the Pixel Data length (implicit VR LE; pixel data runs to the end).
const ROWS_AT = 732;
const COLUMNS_AT = 742;
const PIXEL_LENGTH_AT = 788;
const PIXELS_AT = 792;

/** The 1024² 8-bit sample scaled to side × side (nearest neighbour), distinct by `n`. */
export function scaledCopy(base: Buffer, side: number, n: number): Buffer {
  const from = Math.round(Math.sqrt(base.length - PIXELS_AT));
  const out = Buffer.alloc(PIXELS_AT + side * side);
  base.copy(out, 0, 0, PIXELS_AT);
  out.writeUInt16LE(side, ROWS_AT);
  out.writeUInt16LE(side, COLUMNS_AT);
  out.writeUInt32LE(side * side, PIXEL_LENGTH_AT);
  const columns = Uint32Array.from({ length: side }, (_, x) => Math.floor((x * from) / side));
  for (let y = 0; y < side; y++) {
    const row = PIXELS_AT + Math.floor((y * from) / side) * from;
    const to = PIXELS_AT + y * side;
    for (let x = 0; x < side; x++) out[to + x] = base[row + (columns[x] as number)] as number;
  }
  out.writeUInt32BE(n >>> 0, out.length - 4);
  return out;
}

async function watchRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; samples: number[] }> {
  const samples: number[] = [];
  let peak = 0;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    samples.push(rss);
  }, 250);
  try {
    return { result: await work(), peak, samples };
  } finally {
    clearInterval(sampler);
  }
}

async function until(check: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

export async function benchBacklog(bench: MemoryBench, files: number, seconds: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-agent-backlog-'));
  await mkdir(join(work, 'in'), { recursive: true });
  for (let n = 0; n < files; n++) await writeFile(join(work, 'in', `k${n}.dcm`), copyOf(bench.base, 5_000_000 + n));
  const config = bench.config(work);
  const rssStart = process.memoryUsage().rss;
  const agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
  const started = Date.now();
  const { peak, samples } = await watchRss(() => until(() => agent.store.outboxSize() >= files, seconds));
  const scored = agent.store.outboxSize();
  const elapsed = (Date.now() - started) / 1000;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  process.stdout.write(
    `\nbacklog ${files} files (${mb(files * bench.base.length)} on disk), ${agent.model.session.runtime}, ` +
      `${bench.label}: scored ${scored} in ${elapsed.toFixed(0)} s (${(scored / elapsed).toFixed(1)} img/s), ` +
      `${agent.backlog()} still queued | budget ${mb(config.memoryBudgetBytes)} | RSS before start ${mb(rssStart)}, ` +
      `peak ${mb(peak)}, mean first quarter ${mb(mean(samples.slice(0, quarter)))}, last quarter ` +
      `${mb(mean(samples.slice(-quarter)))} | load ${load()}\nRSS (MB) at each tenth of the run: ${rssSeries(samples)}\n`,
  );
  await agent.close();
  await rm(work, { recursive: true, force: true });
}

export async function benchMix(bench: MemoryBench, large: number, side: number, small: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-agent-mix-'));
  await mkdir(join(work, 'in'), { recursive: true });
  const step = Math.max(1, Math.floor((large + small) / Math.max(1, large)));
  let placed = 0;
  for (let n = 0; n < large + small; n++) {
    const isLarge = placed < large && n % step === 0; // the large films spread among the small ones
    if (isLarge) placed++;
    const bytes = isLarge ? scaledCopy(bench.base, side, 7_000_000 + n) : copyOf(bench.base, 8_000_000 + n);
    await writeFile(join(work, 'in', `${isLarge ? 'large' : 'small'}-${n}.dcm`), bytes);
  }
  const config = bench.config(work);
  const rssStart = process.memoryUsage().rss;
  const agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
  const rssStarted = process.memoryUsage().rss;
  const started = Date.now();
  const { peak, samples } = await watchRss(() =>
    until(() => agent.store.fileCounts().scored + agent.store.fileCounts().quarantined >= large + small, 1800),
  );
  const counts = agent.store.fileCounts();
  process.stdout.write(
    `\nmix: ${large} films of ${side}² (${mb(side * side)} each) among ${small} of 1024², ${bench.label}: ` +
      `${counts.scored} scored, ${counts.quarantined} quarantined in ${((Date.now() - started) / 1000).toFixed(0)} s | ` +
      `budget ${mb(config.memoryBudgetBytes)} | RSS before start ${mb(rssStart)}, started ${mb(rssStarted)}, ` +
      `peak ${mb(peak)} (${peak <= config.memoryBudgetBytes ? 'under' : 'OVER'} the budget) | load ${load()}\n` +
      `RSS (MB) at each tenth of the run: ${rssSeries(samples)}\n`,
  );
  await agent.close();
  await rm(work, { recursive: true, force: true });
}
