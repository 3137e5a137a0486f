/**
 * In: "agent X should run version V" (from a rollout, a revert or a pin). Out: the `model/desired` message
 * — the package's sha256, size and a capability URL on the hub — stored as the agent's current desired
 * state and handed to the MQTT sink (retained). `republishAll` sends every stored one again with URLs
 * rebuilt for the current public URL (used at start with the embedded broker, which keeps nothing).
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

export interface DesiredPublisher {
  /** False (and nothing sent) when the version is not in the registry. */
  send(address: AgentAddress, version: string, options?: { rolloutId?: string; shadow?: boolean }): boolean;
  republishAll(): number;
  /** The capability URL of a version's package for one agent. */
  urlFor(address: AgentAddress, version: string): string;
}

export function createDesiredPublisher(deps: DesiredPublisherDeps): DesiredPublisher {
  const urlFor = (address: AgentAddress, version: string) =>
    `${deps.publicUrl()}/api/models/${encodeURIComponent(version)}/package.tar` +
    `?agent=${address.site}/${address.agent}&token=${deps.capability.tokenFor(address, version)}`;
  return {
    urlFor,
    send(address, version, options = {}) {
      const model = deps.models.get(version);
      if (!model) return false;
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
      deps.publish(address, message);
      return true;
    },
    republishAll() {
      const stored = deps.desired.all();
      for (const { address, message } of stored)
        deps.publish(address, { ...message, url: urlFor(address, message.version) });
      return stored.length;
    },
  };
}
