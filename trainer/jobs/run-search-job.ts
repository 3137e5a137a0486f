/**
 * Job kind `search` (docs/trainer.md#trainer-service): today's `cxr search` on all data — the base data sets on this
 * host and the hub's signed reads of every site (or the job's site), held-back patients apart — then the pick
 * trained for `epochs` (default 25), exported, evaluated beside production on the held-back reads and published as
 * `candidate`. Classes and operating-point roles follow production's manifest. A restarted job resumes the search's
 * finished rungs and the pick's training from their checkpoints.
 */
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import { triageRoles } from '../../models/triage/class-roles.ts';
import { prepareIndex } from '../data/prepare-cache.ts';
import { runSearch } from '../search/run-search.ts';
import { type JobContext, throwIfCancelled } from '../service/job-context.ts';
import { DEFAULT_TRAIN } from '../train/train-config.ts';
import { trainModel } from '../train/train-loop.ts';
import { exportEvaluatePublish } from './export-evaluate-publish.ts';
import { readsToCsv } from './reads-to-csv.ts';

export async function runSearchJob(ctx: JobContext): Promise<Record<string, unknown>> {
  const { job } = ctx;
  const p = job.params;
  const backend = ctx.config.backend as typeof DEFAULT_TRAIN.backend;
  await ctx.report({ phase: 'pull', message: 'production, signed reads and pixels' });
  const production = await ctx.fetchPackage(p.base ?? 'production');
  try {
    const manifest = production.pkg.manifest;
    const { trainCsv, heldOutCsv, train } = await readsToCsv(ctx, manifest.classes, triageRoles(manifest).normal?.name);
    const cacheDir = join(ctx.dir, 'cache');
    await prepareIndex([trainCsv, ...ctx.config.baseData], cacheDir, { val: 0.2, test: 0, seed: p.seed ?? 1 });
    const fullEpochs = p.epochs ?? 25;
    await ctx.report({ phase: 'search' });
    let rows = 0;
    const search = await runSearch({
      cacheDir,
      outDir: join(ctx.dir, 'search'),
      macsBudget: 300e6,
      rungEpochs: [1, Math.max(2, Math.round(fullEpochs / 4))],
      rungImages: [200, 1_000_000],
      eta: 2,
      fullEpochs,
      measureLatency: false,
      backend,
      logger: ctx.log,
      onRow: (row) => {
        rows++;
        void ctx
          .report({ phase: 'search', message: `${rows} rows; ${row.id} val ${JSON.stringify(row.valAuroc)}` })
          .catch(() => undefined);
        throwIfCancelled(ctx.signal);
      },
    });
    const pick = search.rows.find((r) => r.id === search.best);
    if (!pick)
      throw new CxrError(
        'CXR_ERR_TRAINER_TOO_FEW_READS',
        'the search found no candidate with a defined validation AUROC',
      );
    const runDir = join(ctx.dir, 'run');
    await ctx.report({ phase: 'train', epoch: 0, epochs: fullEpochs, message: `pick ${pick.id}` });
    const started = Date.now();
    await trainModel(
      {
        ...DEFAULT_TRAIN,
        cacheDir,
        outDir: runDir,
        scaling: pick.scaling,
        epochs: fullEpochs,
        resume: true,
        backend,
        seed: p.seed ?? DEFAULT_TRAIN.seed,
      },
      {
        logger: ctx.log,
        onBatch: () => throwIfCancelled(ctx.signal),
        onEpoch: (record, state) => {
          const perEpochS = (Date.now() - started) / 1000 / record.epoch;
          void ctx
            .report({
              phase: 'train',
              epoch: record.epoch,
              epochs: fullEpochs,
              loss: record.loss,
              valAuroc: Object.fromEntries(state.classes.map((c, i) => [c, record.valAuroc[i] ?? null])),
              etaS: Math.round(perEpochS * (fullEpochs - record.epoch)),
            })
            .catch(() => undefined);
        },
      },
    );
    throwIfCancelled(ctx.signal);
    const version = p.version ?? `${manifest.version.split('-')[0]}-search.${job.id.slice(2, 10)}`;
    const outcome = await exportEvaluatePublish(ctx, {
      runDir,
      cacheDir,
      name: manifest.name,
      version,
      title: `${manifest.name} ${version} (search pick ${pick.id})`,
      goldenImages: train.slice(0, 2).map((r) => r.path),
      heldOutCsv,
      base: production.tarPath,
      firstEpoch: 0,
    });
    return { ...outcome, pick: pick.id, searchRows: search.rows.length, cost: search.cost };
  } finally {
    await production.cleanup();
  }
}
