/**
 * `cxr search`: successive halving over family members under a MACs budget (and an optional OpenVINO
 * latency budget). Rung r trains the surviving candidates to `rungEpochs[r]` epochs in total (resuming
 * their previous rung) drawing `rungImages[r]` images per epoch (an equal share per site,
 * trainer/data/site-sampling.ts); the best 1/eta by validation score (the mean over sites of the per-site mean
 * AUROC, trainer/metrics/per-site.ts) go on. Rows carry the per-site validation AUROC.
 * Output: a table per candidate, the Pareto front (MACs vs val AUROC) and the pick: the best mean
 * validation AUROC at the highest rung among candidates within the budgets. Cost is counted in
 * image-epochs and seconds, next to what training every candidate fully would cost.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type BackendPreference, selectBackend } from '../backend/select-backend.ts';
import { readIndex } from '../data/prepare-cache.ts';
import type { ScalingParams } from '../family/scaling.ts';
import { DEFAULT_TRAIN } from '../train/train-config.ts';
import { trainModel } from '../train/train-loop.ts';
import { type Candidate, DEFAULT_GRID, makeCandidates, paretoFront } from './candidates.ts';
import { measureLatencyMs } from './latency.ts';

export interface SearchOptions {
  cacheDir: string;
  outDir: string;
  macsBudget: number;
  latencyBudgetMs?: number;
  grid?: ScalingParams[];
  baseResolution?: number;
  rungEpochs: number[];
  rungImages: number[];
  eta: number;
  /** Epochs a full training would take (for the cost comparison). */
  fullEpochs: number;
  measureLatency: boolean;
  backend?: BackendPreference;
  seed?: number;
  /** Multi-scale head of every candidate (trainer/model/build-densenet.ts); 0: off. Default 2. */
  camFromBlock?: number;
  logger?: Logger;
  onRow?: (row: SearchRow) => void;
}

export interface SearchRow {
  id: string;
  scaling: ScalingParams;
  blocks: number[];
  growth: number;
  stem: number;
  resolution: number;
  macs: number;
  params: number;
  latencyMs: number | null;
  rung: number;
  epochs: number;
  valAuroc: Record<string, number | null>;
  /** Site -> class -> validation AUROC at the row's rung. */
  valAurocBySite: Record<string, Record<string, number | null>>;
  score: number | null;
  withinBudget: boolean;
}

export interface SearchResult {
  rows: SearchRow[];
  pareto: string[];
  best: string | null;
  cost: { imageEpochs: number; seconds: number; fullImageEpochs: number; fullSecondsEstimate: number };
}

export async function runSearch(o: SearchOptions): Promise<SearchResult> {
  const started = Date.now();
  const { tf } = await selectBackend(o.backend ?? 'auto', { logger: o.logger });
  const index = await readIndex(o.cacheDir);
  const camFromBlock = o.camFromBlock ?? DEFAULT_TRAIN.camFromBlock ?? 0;
  const candidates = makeCandidates(
    o.grid ?? DEFAULT_GRID,
    o.baseResolution ?? 128,
    o.macsBudget,
    index.classes.length,
    camFromBlock,
  );
  const rows = new Map<string, SearchRow>();
  for (const c of candidates) {
    const latencyMs = o.measureLatency
      ? await measureLatencyMs(tf, c.arch, { camFromBlock, classes: index.classes.length }).catch(() => null)
      : null;
    rows.set(c.id, {
      id: c.id,
      scaling: c.scaling,
      blocks: c.arch.blocks,
      growth: c.arch.growth,
      stem: c.arch.stem,
      resolution: c.arch.resolution,
      macs: c.cost.macs,
      params: c.cost.params,
      latencyMs,
      rung: -1,
      epochs: 0,
      valAuroc: {},
      valAurocBySite: {},
      score: null,
      withinBudget: o.latencyBudgetMs === undefined || (latencyMs !== null && latencyMs <= o.latencyBudgetMs),
    });
  }
  let alive: Candidate[] = candidates.filter((c) => rows.get(c.id)!.withinBudget);
  let imageEpochs = 0;
  let trainSeconds = 0;
  const nTrain = index.splits.train.length;
  for (let r = 0; r < o.rungEpochs.length && alive.length > 0; r++) {
    for (const c of alive) {
      const row = rows.get(c.id)!;
      const images = Math.min(nTrain, o.rungImages[r] ?? nTrain);
      const state = await trainModel(
        {
          ...DEFAULT_TRAIN,
          backend: o.backend ?? 'auto',
          cacheDir: o.cacheDir,
          outDir: join(o.outDir, c.id),
          scaling: c.scaling,
          epochs: o.rungEpochs[r]!,
          patience: 1000,
          seed: o.seed ?? DEFAULT_TRAIN.seed,
          samplesPerEpoch: images,
          camFromBlock,
          // resume: later rungs continue the previous rung; a restarted search skips finished work
          resume: true,
        },
        { ...(o.logger ? { logger: o.logger } : {}) },
      );
      const fresh = state.history.slice(row.epochs);
      imageEpochs += fresh.length * images;
      trainSeconds += fresh.reduce((s, h) => s + h.seconds, 0);
      const last = state.history.at(-1)!;
      row.rung = r;
      row.epochs = state.history.length;
      row.valAuroc = Object.fromEntries(index.classes.map((name, i) => [name, last.valAuroc[i] ?? null]));
      row.valAurocBySite = Object.fromEntries(
        Object.entries(last.valAurocBySite ?? {}).map(([site, v]) => [
          site,
          Object.fromEntries(index.classes.map((name, i) => [name, v[i] ?? null])),
        ]),
      );
      row.score = last.valMeanAuroc;
      o.onRow?.(row);
      await mkdir(o.outDir, { recursive: true });
      await writeFile(join(o.outDir, 'search-partial.json'), `${JSON.stringify([...rows.values()], null, 1)}\n`);
    }
    const keep = Math.max(1, Math.ceil(alive.length / o.eta));
    alive = [...alive].sort((a, b) => (rows.get(b.id)!.score ?? -1) - (rows.get(a.id)!.score ?? -1)).slice(0, keep);
  }
  const table = [...rows.values()];
  const top = Math.max(...table.map((r) => r.rung));
  const finalists = table.filter((r) => r.rung === top && r.withinBudget && r.score !== null);
  const best = finalists.sort((a, b) => b.score! - a.score!)[0]?.id ?? null;
  const pareto = paretoFront(table.filter((r) => r.rung === top)).map((r) => r.id);
  const perImageEpoch = imageEpochs ? trainSeconds / imageEpochs : 0;
  const fullImageEpochs = candidates.length * o.fullEpochs * nTrain;
  const result: SearchResult = {
    rows: table,
    pareto,
    best,
    cost: {
      imageEpochs,
      seconds: (Date.now() - started) / 1000,
      fullImageEpochs,
      fullSecondsEstimate: fullImageEpochs * perImageEpoch,
    },
  };
  await mkdir(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, 'search.json'), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}
