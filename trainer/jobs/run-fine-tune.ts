/**
 * Job kind `fine-tune` (docs/trainer.md#trainer-service): production (or the job's base) trained further on the
 * hub's signed reads of one site or all sites, beside the base data sets on this host, then evaluated against the
 * base on the same held-back patients and published as `candidate` with its report.
 *
 * 1. pull: the base package (verified), its training run on this host (config `runs`, or a candidate this trainer
 *    made), the signed reads with their pixels (cached by sha256);
 * 2. split: a seeded share of patients (`holdOut`, default 0.2) is held back for the evaluation and never trained
 *    on; the rest, with the base data, go through `prepareIndex` (patient split per site into train/val);
 * 3. train: the base run's last checkpoint copied into the job's folder and trained `epochs` more (`trainModel`
 *    with resume, the selection reset), progress per epoch to the hub. A crash (kill -9) leaves the job's `last`
 *    checkpoint: the re-claimed job resumes from it. A cancel stops at the next batch;
 * 4. export (signed with the trainer's key), evaluate candidate and base on the held-back reads (`evaluatePackage`:
 *    AUROC with CI, sensitivity/specificity at the operating points, calibration error, per site), HTML report;
 * 5. publish the candidate and the report; keep the run for later fine-tunes of the candidate.
 */

import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import { triageRoles } from '../../models/triage/class-roles.ts';
import { prepareIndex } from '../data/prepare-cache.ts';
import { type JobContext, throwIfCancelled } from '../service/job-context.ts';
import type { TrainState } from '../train/train-config.ts';
import { trainModel } from '../train/train-loop.ts';
import { exportEvaluatePublish } from './export-evaluate-publish.ts';
import { fineTuneRun } from './fine-tune-run.ts';
import { readsToCsv } from './reads-to-csv.ts';

export async function runFineTune(ctx: JobContext): Promise<Record<string, unknown>> {
  const { job, dir } = ctx;
  const p = job.params;
  const seed = p.seed ?? 1;
  await ctx.report({ phase: 'pull', message: 'base model, signed reads and pixels' });
  const base = await ctx.fetchPackage(p.base ?? 'production');
  try {
    const manifest = base.pkg.manifest;
    const runDir = join(dir, 'run');
    const baseRun = ctx.config.runs[manifest.version] ?? join(ctx.config.workDir, 'runs', manifest.version);
    const { state, plan } = await fineTuneRun(baseRun, runDir, p.epochs ?? 5, manifest.version);
    const normal = triageRoles(manifest).normal?.name;
    const { trainCsv, heldOutCsv, train, heldOut } = await readsToCsv(ctx, state.classes, normal);
    const cacheDir = join(dir, 'cache');
    const index = await prepareIndex([trainCsv, ...ctx.config.baseData], cacheDir, {
      val: 0.2,
      test: 0,
      seed,
    });
    if (index.classes.join('|') !== state.classes.join('|')) {
      throw new CxrError(
        'CXR_ERR_TRAINER_CLASSES_MISMATCH',
        `the data have classes ${index.classes.join(', ')}; the base model ${state.classes.join(', ')}`,
      );
    }

    const { epochs, firstEpoch: first } = plan;
    const started = Date.now();
    await ctx.report({
      phase: 'train',
      epoch: first,
      epochs,
      message: `${train.length} reads, ${heldOut.length} held back`,
    });
    await trainModel(
      {
        ...state.config,
        cacheDir,
        outDir: runDir,
        epochs,
        resume: true,
        patience: epochs,
        backend: ctx.config.backend as TrainState['config']['backend'],
      },
      {
        logger: ctx.log,
        onBatch: () => throwIfCancelled(ctx.signal),
        onEpoch: (record) => {
          const perEpochS = (Date.now() - started) / 1000 / Math.max(1, record.epoch - first);
          void ctx
            .report({
              phase: 'train',
              epoch: record.epoch,
              epochs,
              loss: record.loss,
              valAuroc: Object.fromEntries(state.classes.map((c, i) => [c, record.valAuroc[i] ?? null])),
              etaS: Math.round(perEpochS * (epochs - record.epoch)),
            })
            .catch(() => undefined);
        },
      },
    );
    throwIfCancelled(ctx.signal);

    const version = p.version ?? `${manifest.version.split('-')[0]}-ft.${job.id.slice(2, 10)}`;
    const outcome = await exportEvaluatePublish(ctx, {
      runDir,
      cacheDir,
      name: manifest.name,
      version,
      title: `${manifest.name} ${version} (fine-tuned from ${manifest.version})`,
      goldenImages: train.slice(0, 2).map((r) => r.path),
      heldOutCsv,
      base: base.tarPath,
      firstEpoch: first,
    });
    return {
      ...outcome,
      base: manifest.version,
      reads: {
        train: train.length,
        heldOut: heldOut.length,
        patientsHeldOut: new Set(heldOut.map((r) => r.patientKey)).size,
      },
      epochs: epochs - first,
    };
  } finally {
    await base.cleanup();
  }
}
