/**
 * Figures for bench/agent.ts (pure, but for the log sink). In: the agent's own `scored` log lines (file complete →
 * committed, measured by the agent on one clock) and the committed results' `timingsMs`. Out: percentiles, the
 * per-stage time table per image, an RSS series and the machine's load, as text lines. Lines that are not
 * `scored` records are ignored.
 */
import { loadavg } from 'node:os';
import type { DestinationStream } from 'pino';

export interface ScoredLine {
  image: string;
  /** complete → scored (the result's timingsMs.total). */
  ms: number;
  /** complete → committed. */
  endToEndMs: number;
}

/** A pino destination that keeps the `scored` lines (pseudonymous image key, timings), nothing else. */
export function scoredSink(): { stream: DestinationStream; lines: ScoredLine[] } {
  const lines: ScoredLine[] = [];
  const stream: DestinationStream = {
    write(line: string) {
      if (!line.includes('"msg":"scored"')) return;
      const record = JSON.parse(line) as { image: string; ms: number; endToEndMs: number };
      lines.push({ image: record.image, ms: record.ms, endToEndMs: record.endToEndMs });
    },
  };
  return { stream, lines };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const STAGES = ['wait', 'read', 'queue', 'decode', 'check', 'preprocess', 'infer', 'render', 'commit', 'total'];

/**
 * One row per stage: p50 and p95 over the files of each column. `commit` is complete → committed less complete →
 * scored (result built to transaction done); `total` is complete → committed. Stage times are the wall time a
 * file spent in the stage, its wait for a pool thread included (also shown alone as `queue`).
 */
export function stageTable(
  columns: ReadonlyArray<{ name: string; timings: ReadonlyArray<Record<string, number>> }>,
): string[] {
  const cell = (xs: number[]) => (xs.length ? `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 95))}` : '—');
  const header = `| stage (ms, p50 / p95) | ${columns.map((c) => `${c.name} (${c.timings.length} files)`).join(' | ')} |`;
  const rows = STAGES.map((stage) => {
    const cells = columns.map((c) => cell(c.timings.map((t) => t[stage]).filter((v): v is number => v !== undefined)));
    return `| ${stage} | ${cells.join(' | ')} |`;
  });
  return [header, `|---|${columns.map(() => '---').join('|')}|`, ...rows];
}

/** A committed result's stage timings with `commit` and `total` from the agent's scored line for the same image. */
export function withCommit(timingsMs: Record<string, number>, line: ScoredLine | undefined): Record<string, number> {
  if (!line) return timingsMs;
  return { ...timingsMs, commit: line.endToEndMs - line.ms, total: line.endToEndMs };
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** RSS at each tenth of the run (0 %, 10 %, …, 100 %). */
export function rssSeries(samples: readonly number[]): string {
  if (samples.length === 0) return '—';
  const at = Array.from(
    { length: 11 },
    (_, i) => samples[Math.min(samples.length - 1, Math.round((i / 10) * (samples.length - 1)))],
  );
  return at
    .map((b) => (b ?? 0) / 2 ** 20)
    .map((m) => m.toFixed(0))
    .join(' → ');
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Cores kept busy by this process over a span: (user + system CPU) / wall. */
export function coresBusy(cpu: NodeJS.CpuUsage, wallMs: number): string {
  return ((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2);
}
