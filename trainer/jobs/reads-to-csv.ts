/**
 * The hub's signed reads as the labels CSVs a job trains and evaluates on (docs/trainer.md#trainer-service): reads
 * with pixels, labelled for the model's classes (training-data.ts `labelOf`), pixels pulled into the cache, split by
 * patient into trained-on (`<dir>/data/reads.csv`) and held back (`<dir>/data/held-out.csv`, never trained on).
 * Too few on either side is CXR_ERR_TRAINER_TOO_FEW_READS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import type { JobContext } from '../service/job-context.ts';
import { throwIfCancelled } from '../service/job-context.ts';
import { heldBack, labelOf, labelsCsv, pullPixels } from './training-data.ts';

export interface ReadsCsv {
  trainCsv: string;
  heldOutCsv: string;
  train: { path: string; patientKey: string }[];
  heldOut: { path: string; patientKey: string }[];
}

export async function readsToCsv(
  ctx: JobContext,
  classes: readonly string[],
  normal: string | undefined,
): Promise<ReadsCsv> {
  const p = ctx.job.params;
  let reads = (await ctx.hub.reads(ctx.job.site)).filter((r) => r.pixels !== null);
  if (p.maxReads !== undefined) reads = reads.slice(-p.maxReads);
  const labelled = reads.flatMap((read) => {
    const label = labelOf(read, classes, normal);
    return label ? [{ read, label }] : [];
  });
  const paths = await pullPixels(
    ctx.hub,
    labelled.map((l) => l.read),
    join(ctx.config.workDir, 'pixels'),
  );
  throwIfCancelled(ctx.signal);
  const rows = labelled.map(({ read, label }) => ({
    path: paths.get(read.resultId)!,
    label,
    patientKey: read.patientKey,
    site: read.site,
  }));
  const hold = (key: string) => heldBack(key, p.holdOut ?? 0.2, p.seed ?? 1);
  const train = rows.filter((r) => !hold(r.patientKey));
  const heldOut = rows.filter((r) => hold(r.patientKey));
  if (train.length < 4 || heldOut.length < 2) {
    throw new CxrError(
      'CXR_ERR_TRAINER_TOO_FEW_READS',
      `${rows.length} usable signed reads (${train.length} to train on, ${heldOut.length} held back): too few`,
    );
  }
  const dataDir = join(ctx.dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const trainCsv = join(dataDir, 'reads.csv');
  const heldOutCsv = join(dataDir, 'held-out.csv');
  await writeFile(trainCsv, labelsCsv(train));
  await writeFile(heldOutCsv, labelsCsv(heldOut));
  return { trainCsv, heldOutCsv, train, heldOut };
}
