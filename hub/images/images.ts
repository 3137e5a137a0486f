/**
 * The diagnostic images feature (docs/viewing.md): agents' uploads (HTTPS, their own login), content-addressed
 * storage under `<dataDir>/images/`, the viewer's image and image description, the priors of a study, storage
 * use for admins, and retention by age or total size run under a database lease. In: the database, where files
 * live, the config's `images` slice, the agents' password hashes, the clock, a logger. Out: the routes, the
 * retention job (start/close) and the store.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import { createLeaseStore } from '../db/lease.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createAgentLogin } from './agent-login.ts';
import { createImageFiles } from './image-files.ts';
import { imageRoutes } from './image-routes.ts';
import { createImagesStore } from './images-store.ts';
import { priorsRoutes } from './priors-routes.ts';
import { createPriorsStore } from './priors-store.ts';
import { createRetentionJob } from './retention-job.ts';
import { storageRoutes } from './storage-routes.ts';
import { uploadRoutes } from './upload-routes.ts';

export interface ImagesDeps {
  db: HubDb;
  dataDir: string;
  config: HubConfig['images'];
  agentPasswordHash(username: string): Promise<string | undefined>;
  /** Whether this replica runs the background jobs (hub replicas); default: retention takes its own lease. */
  isActive?: () => boolean;
  now: () => Date;
  log: Logger;
}

export function createImages(deps: ImagesDeps) {
  const { db, config } = deps;
  const nowMs = () => deps.now().getTime();
  const store = createImagesStore(db);
  const files = createImageFiles(join(deps.dataDir, 'images'));
  const policy = { retentionDays: config.retentionDays, maxTotalBytes: config.maxTotalBytes };
  const retention = createRetentionJob({
    store,
    files,
    leases: createLeaseStore(db),
    policy: { ...policy, partialTtlMs: config.partialTtlHours * 3_600_000 },
    intervalMs: config.retentionIntervalS * 1000,
    ...(deps.isActive ? { isActive: deps.isActive } : {}),
    nowMs,
    log: deps.log,
  });
  const login = createAgentLogin(deps.agentPasswordHash, nowMs);
  const routes: HubRoutes = async (app) => {
    await app.register(uploadRoutes, {
      store,
      files,
      login,
      maxImageBytes: config.maxImageBytes,
      maxChunkBytes: config.maxChunkBytes,
      nowMs,
    });
    await app.register(imageRoutes, { db, store, files });
    await app.register(priorsRoutes, { priors: createPriorsStore(db), nowMs });
    await app.register(storageRoutes, { store, retention, policy });
  };
  return { store, files, retention, routes };
}

export type Images = ReturnType<typeof createImages>;
