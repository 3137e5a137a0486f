/**
 * In: "agent X should run version V" (from a rollout, a revert or a pin). Out: the `model/desired` message
 * — the package's sha256, size and a capability URL on the hub — stored as the agent's desired state
 * (`prepare`, in the caller's transaction) and handed to the MQTT sink (retained) once that commits
 * (`publish`). `republishAll` sends every stored one again with URLs rebuilt for the current public URL:
 * at start, so a message that a crash kept from the broker, or an embedded broker's lost retained store,
 * still reaches the agent (agents handle a repeated desired message idempotently). While a live shadow runs at the
 * agent's site (hub/shadows/) and its candidate is not the version asked for, the message carries it as `liveShadow`.
 */
import type { ModelDesired } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from '../db/database.ts';
import type { CapabilityTokens } from '../registry/capability-token.ts';
import { createModelsStore, type ModelsStore } from '../registry/models-store.ts';
import { createShadowsStore } from '../shadows/shadows-store.ts';
import { createDesiredStore } from './desired-store.ts';

export type PublishDesired = (address: AgentAddress, desired: ModelDesired) => void;

export interface DesiredPublisherDeps {
  db: HubDb;
  capability: CapabilityTokens;
  /** Base URL agents reach the hub's API at, without a trailing slash. */
  publicUrl: () => string;
  publish: PublishDesired;
  now: () => Date;
}

export interface DesiredOptions {
  rolloutId?: string;
  shadow?: boolean;
}

export interface DesiredPublisher {
  /** Builds the message and stores it in `db`; undefined (nothing stored) when the version is not in the registry. */
  prepare(
    db: HubDb,
    address: AgentAddress,
    version: string,
    options?: DesiredOptions,
  ): Promise<ModelDesired | undefined>;
  publish: PublishDesired;
  /** prepare + publish; false when the version is not in the registry. */
  send(address: AgentAddress, version: string, options?: DesiredOptions): Promise<boolean>;
  republishAll(): Promise<number>;
  /** The capability URL of a version's package for one agent. */
  urlFor(address: AgentAddress, version: string): string;
}

export function createDesiredPublisher(deps: DesiredPublisherDeps): DesiredPublisher {
  const urlFor = (address: AgentAddress, version: string) =>
    `${deps.publicUrl()}/api/models/${encodeURIComponent(version)}/package.tar` +
    `?agent=${address.site}/${address.agent}&token=${deps.capability.tokenFor(address, version)}`;
  const liveShadowFor = async (db: HubDb, models: ModelsStore, address: AgentAddress, version: string) => {
    const shadow = await createShadowsStore(db).runningAt(address.site);
    const candidate = shadow && shadow.version !== version ? await models.get(shadow.version) : undefined;
    if (!shadow || !candidate) return undefined;
    const { name, sha256, sizeBytes } = candidate;
    return {
      shadowId: shadow.id,
      name,
      version: shadow.version,
      sha256,
      url: urlFor(address, shadow.version),
      sizeBytes,
    };
  };
  const prepare: DesiredPublisher['prepare'] = async (db, address, version, options = {}) => {
    const models = createModelsStore(db);
    const model = await models.get(version);
    if (!model) return undefined;
    const liveShadow = await liveShadowFor(db, models, address, version);
    const at = deps.now().toISOString();
    const message: ModelDesired = {
      v: 1,
      ...(options.rolloutId ? { rolloutId: options.rolloutId } : {}),
      name: model.name,
      version: model.version,
      sha256: model.sha256,
      url: urlFor(address, model.version),
      sizeBytes: model.sizeBytes,
      ...(options.shadow ? { shadow: true } : {}),
      ...(liveShadow ? { liveShadow } : {}),
      issuedAt: at,
    };
    await createDesiredStore(db).put(address, message, at);
    return message;
  };
  return {
    urlFor,
    prepare,
    publish: deps.publish,
    async send(address, version, options) {
      const message = await prepare(deps.db, address, version, options);
      if (message) deps.publish(address, message);
      return message !== undefined;
    },
    async republishAll() {
      const stored = await createDesiredStore(deps.db).all();
      for (const { address, message } of stored) {
        const { liveShadow } = message;
        deps.publish(address, {
          ...message,
          url: urlFor(address, message.version),
          ...(liveShadow ? { liveShadow: { ...liveShadow, url: urlFor(address, liveShadow.version) } } : {}),
        });
      }
      return stored.length;
    },
  };
}
