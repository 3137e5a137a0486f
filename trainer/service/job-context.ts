/**
 * What every job kind gets (docs/trainer.md#trainer-service): the job, the hub client, the service's config, a
 * logger, the job's own folder (checkpoints survive a crash there, so a re-claimed job resumes), an abort signal
 * (set when the hub says the job is being cancelled, or the service stops) and `report` for live progress (its
 * answer can cancel too). `fetchPackage` downloads a registered package by version or alias and opens it verified
 * against the keys this trainer trusts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import type { HubJob, Progress, TrainerHubClient } from './hub-client.ts';
import type { TrainerServiceConfig } from './service-config.ts';

export interface JobContext {
  job: HubJob;
  hub: TrainerHubClient;
  config: TrainerServiceConfig;
  log: Logger;
  /** `<workDir>/jobs/<job id>`: checkpoints, prepared data, the candidate. */
  dir: string;
  signal: AbortSignal;
  report(progress: Progress): Promise<void>;
  fetchPackage(ref: string): Promise<Awaited<ReturnType<typeof loadPackageFromPath>> & { tarPath: string }>;
  privateKeyPem: string;
  now: () => Date;
}

/** Throws CXR_ERR_TRAINER_CANCELLED when the job was cancelled (checked between steps and batches). */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CxrError('CXR_ERR_TRAINER_CANCELLED', 'the job was cancelled');
}

export function packageFetcher(hub: TrainerHubClient, config: TrainerServiceConfig) {
  return async (ref: string) => {
    const bytes = await hub.modelPackage(ref);
    const dir = join(config.workDir, 'packages');
    await mkdir(dir, { recursive: true });
    const tarPath = join(dir, `${ref.replace(/[^0-9A-Za-z.+-]/g, '_')}.tar`);
    await writeFile(tarPath, bytes);
    const trusted = await readTrustedKeys(config.trustedKeys);
    return { ...(await loadPackageFromPath(tarPath, { trustedPublicKeysPem: trusted })), tarPath };
  };
}
