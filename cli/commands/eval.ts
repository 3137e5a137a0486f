/**
 * `cxr eval --model <dir|.tar> --labels <csv> [--runtime auto|openvino|onnxruntime] [--trust <pem>] [--report <html>] [--json]`
 * Evaluates a signed package through the production inference path. --json prints `auroc` (class -> value
 * or null), `meanAuroc`, `ci95`, `n`, `atThresholds`, `roc`, `images`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { RuntimeChoice } from '../../models/runtime/types.ts';
import { evaluatePackage } from '../../trainer/eval/evaluate.ts';
import { htmlReport } from '../../trainer/eval/html-report.ts';
import type { TrainState } from '../../trainer/train/train-config.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface EvalCliOptions {
  model: string;
  labels: string;
  runtime: RuntimeChoice;
  trust: string[];
  report?: string;
  trainState?: string;
  json?: boolean;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));
const collect = (value: string, previous: string[]): string[] => [...previous, value];

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
            });
            if (o.report) {
              const history = o.trainState
                ? (JSON.parse(await readFile(o.trainState, 'utf8')) as TrainState).history
                : [];
              await writeFile(
                o.report,
                htmlReport(`Evaluation of ${report.model.name} ${report.model.version}`, report, history),
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
              `mean AUROC ${fmt(r.meanAuroc)}`,
            ].join('\n'),
        );
      });
  },
};
