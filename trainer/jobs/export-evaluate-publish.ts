/**
 * The end of every training job (docs/trainer.md#trainer-service): export the run's best checkpoint as a package
 * signed with the trainer's key, evaluate it and the base model on the same held-back reads (`evaluatePackage`: AUROC
 * with CI, sensitivity/specificity at each model's operating points, calibration error, per site), write the HTML
 * report (curves, ROC, the side-by-side table), publish the candidate and its report to the hub, and keep the run
 * under `<workDir>/runs/<version>` so the candidate can be fine-tuned later. Out: the job's result.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeyOf } from '../../models/package/keys.ts';
import { packTar } from '../../models/package/tar.ts';
import { type EvalReport, evaluatePackage } from '../eval/evaluate.ts';
import { htmlReport } from '../eval/html-report.ts';
import { exportPackage } from '../export/export-package.ts';
import type { JobContext } from '../service/job-context.ts';
import type { TrainState } from '../train/train-config.ts';

/** The figures the dashboard shows for one model on the held-back reads. */
export function evaluationSummary(report: EvalReport) {
  return {
    version: report.model.version,
    images: report.images.evaluated,
    auroc: report.auroc,
    meanAuroc: report.meanAuroc,
    ci95: report.ci95,
    atThresholds: report.atThresholds,
    ece: report.ece,
    bySite: Object.fromEntries(
      Object.entries(report.bySite).map(([site, s]) => [site, { images: s.images, auroc: s.auroc, ci95: s.ci95 }]),
    ),
  };
}

function comparisonHtml(base: EvalReport, candidate: EvalReport): string {
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));
  const rows = candidate.classes
    .map((c) => {
      const b = base.atThresholds[c];
      const k = candidate.atThresholds[c];
      return `<tr><td>${c}</td><td>${cell(base.auroc[c])}</td><td>${cell(candidate.auroc[c])}</td><td>${cell(b?.sensitivity)} / ${cell(b?.specificity)}</td><td>${cell(k?.sensitivity)} / ${cell(k?.specificity)}</td><td>${cell(base.ece[c])}</td><td>${cell(candidate.ece[c])}</td></tr>`;
    })
    .join('');
  return `<h2>Candidate against ${base.model.version} on the same held-back reads (${candidate.images.evaluated} images)</h2><table><tr><th>class</th><th>AUROC base</th><th>AUROC candidate</th><th>sens / spec base</th><th>sens / spec candidate</th><th>ECE base</th><th>ECE candidate</th></tr>${rows}</table>`;
}

export interface PublishRun {
  runDir: string;
  cacheDir: string;
  name: string;
  version: string;
  title: string;
  goldenImages: string[];
  heldOutCsv: string;
  /** The model to compare against (a package path), when there is one. */
  base?: string;
  /** Epochs before this job (the report draws only this job's). */
  firstEpoch: number;
}

export async function exportEvaluatePublish(ctx: JobContext, run: PublishRun) {
  const backend = ctx.config.backend as TrainState['config']['backend'];
  await ctx.report({ phase: 'export' });
  const packageDir = join(ctx.dir, 'package');
  await rm(packageDir, { recursive: true, force: true });
  await exportPackage({
    trainDir: run.runDir,
    cacheDir: run.cacheDir,
    outDir: packageDir,
    privateKeyPem: ctx.privateKeyPem,
    name: run.name,
    version: run.version,
    goldenImages: run.goldenImages,
    backend,
    now: ctx.now,
  });
  await ctx.report({ phase: 'evaluate' });
  const keyFile = join(ctx.dir, 'trainer.pub.pem');
  await writeFile(keyFile, publicKeyOf(ctx.privateKeyPem));
  const evaluate = (model: string) =>
    evaluatePackage({
      model,
      labels: run.heldOutCsv,
      runtime: 'auto',
      trust: [keyFile, ...ctx.config.trustedKeys],
      shortcuts: false,
      logger: ctx.log,
    });
  const candidate = await evaluate(packageDir);
  const base = run.base ? await evaluate(run.base) : undefined;
  const state = JSON.parse(await readFile(join(run.runDir, 'train-state.json'), 'utf8')) as TrainState;
  const html = htmlReport(
    run.title,
    candidate,
    state.history.slice(run.firstEpoch),
    base ? comparisonHtml(base, candidate) : '',
  );
  await ctx.report({ phase: 'publish' });
  const published = await ctx.hub.publishCandidate(ctx.job.id, await packTar(packageDir));
  await ctx.hub.uploadReport(ctx.job.id, published.version, html);
  await cp(run.runDir, join(ctx.config.workDir, 'runs', published.version), { recursive: true });
  return {
    candidate: published.version,
    evaluation: {
      candidate: evaluationSummary(candidate),
      ...(base ? { production: evaluationSummary(base) } : {}),
    },
  };
}
