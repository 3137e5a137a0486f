/**
 * Job kind `recalibrate` (docs/trainer.md#trainer-service): the base model's manifest (production unless the job
 * names another), the site's signed reads from the hub, operating points at the target sensitivity
 * (recalibrate.ts), signed with the trainer's key and published as the site's next calibration version. In: the job
 * context. Out: the job's result (calibration version, reads used, thresholds).
 */

import { CxrError } from '../../models/errors.ts';
import { signSiteCalibration } from '../../models/triage/site-calibration.ts';
import { type JobContext, throwIfCancelled } from '../service/job-context.ts';
import { recalibrateSite } from './recalibrate.ts';

export async function runRecalibrate(ctx: JobContext): Promise<Record<string, unknown>> {
  const { job, hub } = ctx;
  if (!job.site) throw new CxrError('CXR_ERR_HUB_TRAINING_JOB_INVALID', 'a recalibration is for one site');
  await ctx.report({ phase: 'pull', message: 'base model and signed reads' });
  const opened = await ctx.fetchPackage(job.params.base ?? 'production');
  try {
    const manifest = opened.pkg.manifest;
    const reads = await hub.reads(job.site);
    throwIfCancelled(ctx.signal);
    await ctx.report({ phase: 'calibrate', message: `${reads.length} signed reads at ${job.site}` });
    const { calibration, used, skipped } = recalibrateSite({
      site: job.site,
      manifest,
      reads,
      targetSensitivity: job.params.targetSensitivity ?? 0.9,
      now: ctx.now(),
    });
    const signed = signSiteCalibration(calibration, ctx.privateKeyPem);
    const published = await hub.publishCalibration(job.id, signed);
    ctx.log.info({ site: job.site, version: published.version, used, skipped }, 'site calibration published');
    return {
      calibrationVersion: published.version,
      site: job.site,
      modelVersion: manifest.version,
      readsUsed: used,
      readsSkipped: skipped,
      thresholds: calibration.thresholds,
    };
  } finally {
    await opened.cleanup();
  }
}
