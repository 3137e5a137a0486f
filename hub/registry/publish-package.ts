/**
 * In: the bytes of an uploaded package `.tar` and who uploads it. Out: the registry row (new, or the one
 * already there for the same bytes). The package is unpacked and verified against the trusted publisher
 * keys (signature, manifest, model hash: CXR_ERR_PACKAGE_*); the same version with other bytes is refused
 * with CXR_ERR_HUB_MODEL_VERSION_EXISTS. Every outcome, refusals included, is in the audit log.
 */
import { CxrError, isCxrError } from '../../models/errors.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import { createModelsStore, type RegisteredModel } from './models-store.ts';
import type { PackageStore } from './package-store.ts';

export interface PublishDeps {
  db: HubDb;
  packages: PackageStore;
  trustedKeysDir: string;
  now: () => Date;
}

export interface PublishOutcome {
  created: boolean;
  model: RegisteredModel;
}

export type PublishPackage = (bytes: Buffer, publisher: string) => Promise<PublishOutcome>;

export function createPublisher(deps: PublishDeps): PublishPackage {
  const { db, now } = deps;
  const refuse = async (publisher: string, sha256: string, error: CxrError, version?: string): Promise<never> => {
    await createAuditStore(db).append(
      {
        actor: publisher,
        action: 'model.publish-refused',
        ...(version ? { target: version } : {}),
        after: { sha256, code: error.code },
      },
      now(),
    );
    throw error;
  };

  /** Registers the verified package unless its version exists: one transaction, so two uploads cannot both win. */
  const register = (model: RegisteredModel, publisher: string) =>
    db.transaction(async (tx): Promise<PublishOutcome> => {
      const models = createModelsStore(tx);
      const audit = createAuditStore(tx);
      const existing = await models.get(model.version);
      if (existing && existing.sha256 === model.sha256) {
        await audit.append(
          { actor: publisher, action: 'model.republish', target: model.version, after: { sha256: model.sha256 } },
          now(),
        );
        return { created: false, model: existing };
      }
      if (existing) {
        throw new CxrError(
          'CXR_ERR_HUB_MODEL_VERSION_EXISTS',
          `version ${model.version} is already registered with other bytes (sha256 ${existing.sha256.slice(0, 12)}…); publish a new version`,
        );
      }
      await models.insert(model);
      await audit.append(
        {
          actor: publisher,
          action: 'model.publish',
          target: model.version,
          after: { name: model.name, sha256: model.sha256, publisherKeyId: model.publisherKeyId },
        },
        now(),
      );
      return { created: true, model };
    });

  return async (bytes, publisher) => {
    const incoming = await deps.packages.receive(bytes);
    let model: RegisteredModel;
    try {
      const trusted = await readTrustedKeys([], { defaultDir: deps.trustedKeysDir });
      const opened = await loadPackageFromPath(incoming.path, { trustedPublicKeysPem: trusted });
      await opened.cleanup();
      const { manifest, publisherKeyId } = opened.pkg;
      model = {
        version: manifest.version,
        name: manifest.name,
        sha256: incoming.sha256,
        modelSha256: manifest.modelSha256,
        sizeBytes: incoming.sizeBytes,
        classes: manifest.classes,
        metrics: manifest.metrics,
        macs: manifest.macs,
        params: manifest.params,
        publisherKeyId,
        publishedBy: publisher,
        publishedAt: now().toISOString(),
        ...(manifest.referenceScores ? { referenceScores: manifest.referenceScores } : {}),
      };
    } catch (error) {
      await incoming.discard();
      if (isCxrError(error) && error.kind === 'input') return refuse(publisher, incoming.sha256, error);
      throw error;
    }
    // Into the store first, then the row: a registered version always has its file. Storing the same
    // bytes again is a no-op; a refused version's file is removed again (no row can name those bytes:
    // they carry their own version).
    await incoming.keep();
    try {
      return await register(model, publisher);
    } catch (error) {
      if (isCxrError(error) && error.code === 'CXR_ERR_HUB_MODEL_VERSION_EXISTS') {
        await deps.packages.remove(model.sha256);
        return refuse(publisher, model.sha256, error, model.version);
      }
      throw error;
    }
  };
}
