/**
 * One claimed job from start to finish (docs/trainer.md#trainer-service): heartbeats while it runs (every answer
 * can say "cancel"), hands the job to its kind's runner, then reports `complete` with the result, or `fail` with the
 * error's code — CXR_ERR_TRAINER_CANCELLED when it stopped on a cancel. When the hub says the job is no longer this
 * trainer's (CXR_ERR_HUB_TRAINING_JOB_STATE) it stops without reporting. When the service is stopping (`stop`
 * aborted) the job is left running on the hub: the next start claims it again and resumes from its checkpoints.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { HubJob, TrainerHubClient } from './hub-client.ts';
import type { JobContext } from './job-context.ts';
import type { TrainerServiceConfig } from './service-config.ts';

export type JobRunner = (ctx: JobContext) => Promise<Record<string, unknown>>;
export type JobRunners = Readonly<Record<HubJob['kind'], JobRunner>>;

export interface RunJobDeps {
  hub: TrainerHubClient;
  config: TrainerServiceConfig;
  runners: JobRunners;
  log: Logger;
  privateKeyPem: string;
  fetchPackage: JobContext['fetchPackage'];
  /** Aborted when the service stops. */
  stop: AbortSignal;
  now: () => Date;
}

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'interrupted';

export async function runJob(deps: RunJobDeps, job: HubJob): Promise<JobOutcome> {
  const { hub } = deps;
  const log = deps.log.child({ job: job.id, kind: job.kind, site: job.site ?? 'all' });
  const cancel = new AbortController();
  const signal = AbortSignal.any([cancel.signal, deps.stop]);
  let lost = false;
  const listen = (answer: { cancel: boolean }) => {
    if (answer.cancel && !cancel.signal.aborted) {
      log.info('cancel requested by the hub');
      cancel.abort();
    }
  };
  const onHubError = (error: unknown) => {
    const e = asCxrError(error);
    if (e.code === 'CXR_ERR_HUB_TRAINING_JOB_STATE') {
      lost = true;
      cancel.abort();
    } else log.warn({ code: e.code, err: e.message }, 'heartbeat failed');
  };
  const beat = setInterval(
    () => void hub.heartbeat(job.id).then(listen, onHubError),
    deps.config.heartbeatIntervalS * 1000,
  );
  const dir = join(deps.config.workDir, 'jobs', job.id);
  await mkdir(dir, { recursive: true });
  const ctx: JobContext = {
    job,
    hub,
    config: deps.config,
    log,
    dir,
    signal,
    privateKeyPem: deps.privateKeyPem,
    fetchPackage: deps.fetchPackage,
    now: deps.now,
    async report(progress) {
      try {
        listen(await hub.progress(job.id, progress));
      } catch (error) {
        onHubError(error);
        if (lost) throw new CxrError('CXR_ERR_HUB_TRAINING_JOB_STATE', "the job is no longer this trainer's");
      }
    },
  };
  log.info(
    { attempt: job.attempt, params: job.params },
    job.attempt > 1 ? 'resuming training job' : 'training job started',
  );
  try {
    const result = await deps.runners[job.kind](ctx);
    await hub.complete(job.id, result);
    log.info({ result }, 'training job succeeded');
    return 'succeeded';
  } catch (thrown) {
    const error = asCxrError(thrown);
    if (lost || error.code === 'CXR_ERR_HUB_TRAINING_JOB_STATE') {
      log.warn('the hub gave this job to someone else or ended it: stopped');
      return 'lost';
    }
    if (deps.stop.aborted && !cancel.signal.aborted) {
      log.info('service stopping: the job stays running on the hub and resumes at the next start');
      return 'interrupted';
    }
    const cancelled = cancel.signal.aborted;
    const code = cancelled ? 'CXR_ERR_TRAINER_CANCELLED' : error.code;
    await hub.fail(job.id, { code, message: cancelled ? 'cancelled' : error.message }).catch((e: unknown) => {
      log.warn({ err: asCxrError(e).message }, 'could not report the failure');
    });
    if (cancelled) log.info('training job cancelled');
    else log.error({ code, err: error.message }, 'training job failed');
    return cancelled ? 'cancelled' : 'failed';
  } finally {
    clearInterval(beat);
  }
}
