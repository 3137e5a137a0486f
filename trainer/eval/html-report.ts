/**
 * A self-contained HTML report (pure: string in, string out): ROC curves and training curves as inline
 * SVG, metric tables; no scripts, no CDN, no external files.
 */
import type { RocPoint } from '../metrics/auroc.ts';
import type { EpochRecord } from '../train/train-config.ts';
import type { EvalReport } from './evaluate.ts';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));

function polyline(points: [number, number][], colour: string, w = 200, h = 200): string {
  const d = points.map(([x, y]) => `${(x * w).toFixed(1)},${(h - y * h).toFixed(1)}`).join(' ');
  return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${d}"/>`;
}

export function rocSvg(roc: Record<string, RocPoint[]>): string {
  const lines = Object.entries(roc).map(([name, pts], i) =>
    pts.length > 1
      ? polyline(
          pts.map((p) => [p.fpr, p.tpr]),
          COLOURS[i % COLOURS.length]!,
        )
      : `<!-- ${esc(name)}: no curve -->`,
  );
  const legend = Object.keys(roc)
    .map(
      (n, i) =>
        `<text x="210" y="${20 + i * 16}" fill="${COLOURS[i % COLOURS.length]}" font-size="11">${esc(n)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="440" height="230" viewBox="-20 -10 440 240">
<rect x="0" y="0" width="200" height="200" fill="none" stroke="#888"/><line x1="0" y1="200" x2="200" y2="0" stroke="#ccc" stroke-dasharray="4"/>
${lines.join('\n')}${legend}<text x="70" y="218" font-size="11">false positive rate</text><text x="-150" y="-6" font-size="11" transform="rotate(-90)">true positive rate</text></svg>`;
}

export function trainingSvg(history: EpochRecord[]): string {
  if (history.length === 0) return '<p>no training history</p>';
  const n = Math.max(1, history.length - 1);
  const maxLoss = Math.max(...history.map((h) => h.loss), 1e-9);
  const loss = polyline(
    history.map((h, i) => [i / n, h.loss / maxLoss]),
    COLOURS[0]!,
    300,
    150,
  );
  const auc = polyline(
    history.map((h, i) => [i / n, h.valMeanAuroc ?? 0]),
    COLOURS[1]!,
    300,
    150,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="460" height="180" viewBox="-10 -10 470 190">
<rect x="0" y="0" width="300" height="150" fill="none" stroke="#888"/>${loss}${auc}
<text x="310" y="20" fill="${COLOURS[0]}" font-size="11">train loss (max ${maxLoss.toFixed(3)})</text>
<text x="310" y="36" fill="${COLOURS[1]}" font-size="11">val mean AUROC (0..1)</text>
<text x="110" y="168" font-size="11">epoch 1..${history.length}</text></svg>`;
}

/** ROC curves of the classes with a defined AUROC (a class without positives or negatives has no curve). */
function definedRocs(evalReport: EvalReport): Record<string, RocPoint[]> {
  return Object.fromEntries(Object.entries(evalReport.roc).filter(([c]) => evalReport.auroc[c] != null));
}

export function htmlReport(title: string, evalReport: EvalReport, history: EpochRecord[] = [], extraHtml = ''): string {
  const rows = evalReport.classes
    .map((c) => {
      const ci = evalReport.ci95[c];
      const t = evalReport.atThresholds[c]!;
      const n = evalReport.n[c]!;
      return `<tr><td>${esc(c)}</td><td>${fmt(evalReport.auroc[c])}</td><td>${ci ? `${fmt(ci[0])}–${fmt(ci[1])}` : 'n/a'}</td><td>${n.positives}/${n.positives + n.negatives}</td><td>${fmt(t.threshold)}</td><td>${fmt(t.sensitivity)}</td><td>${fmt(t.specificity)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style></head><body>
<h1>${esc(title)}</h1>
<p>Model ${esc(evalReport.model.name)} ${esc(evalReport.model.version)}: ${(evalReport.model.macs / 1e6).toFixed(1)} M MACs, ${(evalReport.model.params / 1e6).toFixed(3)} M params. Runtime: ${esc(evalReport.runtime)}. Images: ${evalReport.images.evaluated} evaluated, ${evalReport.images.failed} failed.</p>
<p><b>Mean AUROC (classes with a defined AUROC): ${fmt(evalReport.meanAuroc)}</b>. AUROC is n/a (null) when a class has fewer than 2 positives or 2 negatives.</p>
<table><tr><th>class</th><th>AUROC</th><th>95% CI (bootstrap)</th><th>positives/n</th><th>threshold (val)</th><th>sensitivity</th><th>specificity</th></tr>
${rows}</table>
<h2>ROC curves</h2>${rocSvg(definedRocs(evalReport))}
<h2>Training curves</h2>${trainingSvg(history)}
${extraHtml}
</body></html>
`;
}
