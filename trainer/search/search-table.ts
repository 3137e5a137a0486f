/** The search table as Markdown (pure): one row per candidate, Pareto members and the pick marked. */
import type { SearchResult } from './run-search.ts';

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

/** One column per (site, class) with per-site AUROC (the score averages sites), else one per class. */
export function searchTableMarkdown(result: SearchResult, classes: string[], sites: string[] = []): string {
  const cols = sites.length
    ? sites.flatMap((site) => classes.map((c) => ({ head: `val ${site} ${c}`, site, c })))
    : classes.map((c) => ({ head: `val AUROC ${c}`, site: '', c }));
  const head = `| candidate | alpha, beta, phi, gamma, width, stages | blocks | growth | stem | res | MMACs | params (M) | OpenVINO ms | rung (epochs) | ${cols.map((c) => c.head).join(' | ')} | score |`;
  const sep = `|${' --- |'.repeat(11 + cols.length)}`;
  const cell = (r: SearchResult['rows'][number], col: (typeof cols)[number]) =>
    f3(col.site ? r.valAurocBySite?.[col.site]?.[col.c] : r.valAuroc[col.c]);
  const rows = [...result.rows]
    .sort((a, b) => a.macs - b.macs)
    .map((r) => {
      const s = r.scaling;
      const mark = `${r.id === result.best ? ' **(pick)**' : ''}${result.pareto.includes(r.id) ? ' (Pareto)' : ''}`;
      return `| ${r.id}${mark} | ${s.alpha}, ${s.beta ?? 'auto'}, ${s.phi}, ${s.gamma ?? 1}, ${s.width ?? 1}, ${s.stages ?? 4} | ${r.blocks.join('/')} | ${r.growth} | ${r.stem} | ${r.resolution} | ${(r.macs / 1e6).toFixed(1)} | ${(r.params / 1e6).toFixed(3)} | ${r.latencyMs === null ? 'n/a' : r.latencyMs.toFixed(2)} | ${r.rung} (${r.epochs}) | ${cols.map((col) => cell(r, col)).join(' | ')} | ${f3(r.score)} |`;
    });
  const c = result.cost;
  return [
    head,
    sep,
    ...rows,
    '',
    `Search cost: ${c.imageEpochs} image-epochs, ${(c.seconds / 60).toFixed(1)} min wall. Training all ${result.rows.length} candidates fully: ${c.fullImageEpochs} image-epochs, about ${(c.fullSecondsEstimate / 60).toFixed(0)} min (estimated from the measured seconds per image-epoch).`,
  ].join('\n');
}
