/**
 * The trainer service's composition root (`cxr trainer serve --config`, docs/trainer.md#trainer-service): config →
 * logger → the training backend (logged at start: tfjs-node-gpu when installed, the offline-built tfjs-node, wasm)
 * → the signing key → the hub client → the job loop with one runner per job kind. `startTrainerService` returns
 * `stop()`, which leaves the job in progress running on the hub (it resumes at the next start).
 */
import { readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { CxrError } from '../models/errors.ts';
import { type BackendPreference, selectBackend } from './backend/select-backend.ts';
import { runFineTune } from './jobs/run-fine-tune.ts';
import { runRecalibrate } from './jobs/run-recalibrate.ts';
import { runSearchJob } from './jobs/run-search-job.ts';
import { createTrainerHubClient } from './service/hub-client.ts';
import { packageFetcher } from './service/job-context.ts';
import { serveJobs, type TrainerService } from './service/serve.ts';
import type { TrainerServiceConfig } from './service/service-config.ts';

export async function startTrainerService(
  config: TrainerServiceConfig,
  options: { log?: Logger; now?: () => Date } = {},
): Promise<TrainerService & { backend: string }> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'trainer', trainer: config.hub.name } });
  const backend = await selectBackend(config.backend as BackendPreference, { logger: log });
  const privateKeyPem = await readFile(config.keyFile, 'utf8').catch((cause: unknown) => {
    throw new CxrError('CXR_ERR_TRAINER_CONFIG', `cannot read the signing key ${config.keyFile}`, { cause });
  });
  const hub = createTrainerHubClient(config.hub);
  log.info({ hub: config.hub.url, backend: backend.name, workDir: config.workDir }, 'trainer service started');
  const service = serveJobs({
    hub,
    config,
    runners: { recalibrate: runRecalibrate, 'fine-tune': runFineTune, search: runSearchJob },
    log,
    privateKeyPem,
    fetchPackage: packageFetcher(hub, config),
    now: options.now ?? (() => new Date()),
  });
  return { ...service, backend: backend.name };
}
