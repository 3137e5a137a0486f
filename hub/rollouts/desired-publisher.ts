/**
 * In: "agent X should run version V" (from a rollout, a revert or a pin). Out: the `model/desired` message
 * — the package's sha256, size and a capability URL on the hub — stored as the agent's desired state
 * (`prepare`, inside the caller's transaction) and handed to the MQTT sink (retained) once that commits
 * (`publish`). `republishAll` sends every stored one again with URLs rebuilt for the current public URL:
 * at start, so a message that a crash kept from the broker, or an embedded broker's lost retained store,
 * still reaches the agent (agents handle a repeated desired message idempotently).
 */
import type { ModelDesired } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { CapabilityTokens } from '../registry/capability-token.ts';
import type { DesiredStore } from '../store/desired-store.ts';
import type { ModelsStore } from '../store/models-store.ts';

export type PublishDesired = (address: AgentAddress, desired: ModelDesired) => void;

export interface DesiredPublisherDeps {
  models: ModelsStore;
  desired: DesiredStore;
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
  /** Builds and stores the message; undefined (nothing stored) when the version is not in the registry. */
  prepare(address: AgentAddress, version: string, options?: DesiredOptions): ModelDesired | undefined;
  publish: PublishDesired;
  /** prepare + publish; false when the version is not in the registry. */
  send(address: AgentAddress, version: string, options?: DesiredOptions): boolean;
  republishAll(): number;
  /** The capability URL of a version's package for one agent. */
  urlFor(address: AgentAddress, version: string): string;
}

export function createDesiredPublisher(deps: DesiredPublisherDeps): DesiredPublisher {
  const urlFor = (address: AgentAddress, version: string) =>
    `${deps.publicUrl()}/api/models/${encodeURIComponent(version)}/package.tar` +
    `?agent=${address.site}/${address.agent}&token=${deps.capability.tokenFor(address, version)}`;
  function prepare(address: AgentAddress, version: string, options: DesiredOptions = {}): ModelDesired | undefined {
    const model = deps.models.get(version);
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
    deps.desired.put(address, message, at);
    return message;
  }
  return {
    urlFor,
    prepare,
    publish: deps.publish,
    send(address, version, options) {
      const message = prepare(address, version, options);
      if (message) deps.publish(address, message);
      return message !== undefined;
    },
    republishAll() {
      const stored = deps.desired.all();
      for (const { address, message } of stored)
        deps.publish(address, { ...message, url: urlFor(address, message.version) });
      return stored.length;
    },
  };
}
