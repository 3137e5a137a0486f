/**
 * The model registry feature: signed packages published over HTTP (verified, stored content-addressed,
 * audited), aliases, and downloads by capability URL. In: the database, where packages live, the trusted
 * publisher keys and tokens, the audit log and the clock. Out: the models store, capability tokens (keyed
 * by the hub secret in the database, so every hub process signs the same) and the routes.
 */
import { join } from 'node:path';
import type { AuditStore } from '../accounts/audit-store.ts';
import { hubSecret } from '../accounts/hub-secrets.ts';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/database.ts';
import type { HubRoutes } from '../http/plugin.ts';
import { createCapabilityTokens } from './capability-token.ts';
import { downloadRoute } from './download-route.ts';
import { modelsRoutes } from './models-routes.ts';
import { createModelsStore } from './models-store.ts';
import { createPackageStore } from './package-store.ts';
import { createPublisher } from './publish-package.ts';
import { createPublisherCheck } from './publisher-auth.ts';

export interface RegistryDeps {
  db: HubDb;
  config: Pick<HubConfig, 'dataDir' | 'models' | 'publishers'>;
  audit: AuditStore;
  now: () => Date;
}

export async function createRegistry(deps: RegistryDeps) {
  const { db, config, audit, now } = deps;
  const models = createModelsStore(db);
  const packages = createPackageStore(join(config.dataDir, 'models'));
  const capability = createCapabilityTokens(await hubSecret(db, 'capability', now()));
  const checkPublisher = createPublisherCheck(config.publishers);
  const publish = createPublisher({ db, packages, trustedKeysDir: config.models.trustedKeysDir, now });
  const routes: HubRoutes = async (app) => {
    const maxPackageBytes = config.models.maxPackageBytes;
    await app.register(modelsRoutes, { models, audit, publish, checkPublisher, maxPackageBytes, now });
    await app.register(downloadRoute, { models, packages, capability, checkPublisher });
  };
  return { models, capability, routes };
}

export type Registry = Awaited<ReturnType<typeof createRegistry>>;
