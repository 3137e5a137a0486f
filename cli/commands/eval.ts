/**
 * `cxr eval --model <dir|.tar> --labels <csv> [--runtime auto|openvino|onnxruntime] [--trust <pem>] [--report <html>]
 *   [--no-shortcuts] [--not-chest <file,kind csv>] [--json]`
 * Evaluates a signed package through the production inference path (gate, calibration included). --json prints
 * `auroc` (class -> value or null), `meanAuroc`, `ci95`, `n`, `atThresholds`, `ece`, `roc`, `images`, `bySite`
 * (per site: AUROC, CIs, gate refusals and the shortcut checks) and `notChest` (refusals per kind).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { RuntimeChoice } from '../../models/runtime/types.ts';
import { csvRecords } from '../../trainer/data/csv.ts';
import { type EvalReport, evaluatePackage } from '../../trainer/eval/evaluate.ts';
import { htmlReport } from '../../trainer/eval/html-report.ts';
import type { TrainState } from '../../trainer/train/train-config.ts';
import { collect, runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface EvalCliOptions {
  model: string;
  labels: string;
  runtime: RuntimeChoice;
  trust: string[];
  report?: string;
  trainState?: string;
  shortcuts: boolean;
  notChest?: string;
  json?: boolean;
}

async function readNotChest(csv: string): Promise<{ path: string; kind: string }[]> {
  const rows = csvRecords(await readFile(csv, 'utf8'));
  return rows
    .filter((r) => r.kind !== 'chest')
    .map((r) => ({ path: resolve(dirname(csv), r.file!), kind: r.kind ?? 'unknown' }));
}

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

/** Per-site lines: AUROC per class, refusals, statistics-alone AUROC and re-processed AUROC. */
export function siteLines(r: EvalReport): string[] {
  return Object.entries(r.bySite).flatMap(([site, s]) => {
    const lines = [
      `site ${site} (${s.images} images, gate refused ${Object.values(s.refused).reduce((a, b) => a + b, 0)}): ${r.classes.map((c) => `${c} ${f3(s.auroc[c])}`).join(', ')}`,
    ];
    if (s.statisticsAuroc) {
      lines.push(
        `  statistics alone: ${Object.entries(s.statisticsAuroc)
          .map(([stat, v]) => `${stat} ${r.classes.map((c) => f3(v[c])).join('/')}`)
          .join(', ')}`,
        `  re-processed: ${Object.entries(s.reprocessedAuroc ?? {})
          .map(([how, v]) => `${how} ${r.classes.map((c) => f3(v[c])).join('/')}`)
          .join(', ')}${s.flipped?.length ? `  FLIPPED: ${s.flipped.join(', ')}` : '  (no flip)'}`,
      );
    }
    return lines;
  });
}

const fmt = f3;

export const evalCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('eval')
      .description(
        'per-class AUROC (with CIs), ROC and sens/spec at the manifest thresholds, via the production runtime',
      )
      .requiredOption('--model <path>', 'model package directory or .tar')
      .requiredOption('--labels <csv>', 'labels CSV: file,label[,patient_id], paths relative to the CSV')
      .addOption(
        new Option('--runtime <runtime>', 'inference runtime')
          .choices(['auto', 'openvino', 'onnxruntime'])
          .default('auto'),
      )
      .option('--trust <pub.pem>', 'extra trusted publisher public key (repeatable)', collect, [])
      .option('--report <html>', 'also write a self-contained HTML report')
      .option('--train-state <json>', 'train-state.json whose curves go in the HTML report')
      .option('--no-shortcuts', 'skip the per-site shortcut checks (statistics, re-processed copies)')
      .option('--not-chest <csv>', 'file,kind CSV of not-a-chest images (cxr train negatives): gate refusals per kind')
      .option('--json', 'print JSON')
      .action(async (o: EvalCliOptions) => {
        await runCommand(
          o,
          async () => {
            const report = await evaluatePackage({
              model: o.model,
              labels: o.labels,
              runtime: o.runtime,
              trust: o.trust,
              shortcuts: o.shortcuts,
              ...(o.notChest ? { notChest: await readNotChest(o.notChest) } : {}),
            });
            if (o.report) {
              const history = o.trainState
                ? (JSON.parse(await readFile(o.trainState, 'utf8')) as TrainState).history
                : [];
              await writeFile(
                o.report,
                htmlReport(
                  `Evaluation of ${report.model.name} ${report.model.version}`,
                  report,
                  history,
                  `<h2>Per site, gate and shortcut checks</h2><pre>${siteLines(report)
                    .join('\n')
                    .replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`,
                ),
              );
            }
            return report;
          },
          (r) =>
            [
              `model ${r.model.name} ${r.model.version} on ${r.runtime}: ${r.images.evaluated} images (${r.images.failed} failed)`,
              ...r.classes.map((c) => {
                const ci = r.ci95[c];
                const t = r.atThresholds[c]!;
                return `${c}: AUROC ${fmt(r.auroc[c])} ${ci ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : ''} n+ ${r.n[c]!.positives}/${r.n[c]!.positives + r.n[c]!.negatives}; at ${fmt(t.threshold)}: sens ${fmt(t.sensitivity)} spec ${fmt(t.specificity)}`;
              }),
              `mean AUROC ${fmt(r.meanAuroc)}; ECE (calibrated) ${r.classes.map((c) => `${c} ${fmt(r.ece[c])}`).join(', ')}`,
              `gate refused ${r.images.refusedByGate} of ${r.images.evaluated} images${r.images.otherClass ? `; ${r.images.otherClass} rows of classes the model lacks counted as negatives` : ''}`,
              ...siteLines(r),
              ...(r.notChest
                ? [
                    `not-a-chest images refused: ${Object.entries(r.notChest.byKind)
                      .map(([k, v]) => `${k} ${v.refused}/${v.images}${turned(v.codes)}`)
                      .join(', ')}`,
                    ...r.notChest.passed.map((p) => `  let through: ${p}`),
                  ]
                : []),
            ].join('\n'),
        );
      });
  },
};

/** ' (n as a film turned or inverted)' when the gate said so of some (CXR_ERR_FILM_ORIENTATION). */
function turned(codes: Record<string, number>): string {
  const n = codes.CXR_ERR_FILM_ORIENTATION;
  return n ? ` (${n} as a film turned or inverted)` : '';
}
