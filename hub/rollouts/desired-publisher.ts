/**
 * In: "agent X should run version V" (from a rollout, a revert or a pin). Out: the `model/desired` message
 * — the package's sha256, size and a capability URL on the hub — stored as the agent's desired state
 * (`prepare`, in the caller's transaction) and handed to the MQTT sink (retained) once that commits
 * (`publish`). `republishAll` sends every stored one again with URLs rebuilt for the current public URL:
 * at start, so a message that a crash kept from the broker, or an embedded broker's lost retained store,
 * still reaches the agent (agents handle a repeated desired message idempotently).
 */
import type { ModelDesired } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { HubDb } from '../db/database.ts';
import type { CapabilityTokens } from '../registry/capability-token.ts';
import { createModelsStore } from '../registry/models-store.ts';
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
  const prepare: DesiredPublisher['prepare'] = async (db, address, version, options = {}) => {
    const model = await createModelsStore(db).get(version);
    if (!model) return undefined;
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
      for (const { address, message } of stored)
        deps.publish(address, { ...message, url: urlFor(address, message.version) });
      return stored.length;
    },
  };
}
