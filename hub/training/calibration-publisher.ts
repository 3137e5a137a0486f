/**
 * Site calibrations to the agents (docs/hub.md#site-calibration): in, "site S's current calibration changed"
 * (publish or rollback), "agent A showed up" or "send everything again" (at start, like the desired models); out,
 * the `calibration` message — the signed text exactly as the trainer signed it, the hub's version and the model
 * version — handed to the MQTT sink (retained, QoS 1) for every agent of the site. The agents of a site are those
 * with a login or a status on the hub. A site without a current calibration gets nothing.
 */
import type { SiteCalibrationMessage } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import type { CalibrationsStore, StoredCalibration } from './calibrations-store.ts';

export type PublishCalibration = (address: AgentAddress, message: SiteCalibrationMessage) => void;

export interface CalibrationPublisherDeps {
  calibrations: Pick<CalibrationsStore, 'current' | 'list'>;
  /** Every agent the hub knows (logins and statuses). */
  agents(): Promise<AgentAddress[]>;
  publish: PublishCalibration;
  now: () => Date;
}

export interface CalibrationPublisher {
  /** The message for a stored calibration. */
  messageOf(stored: StoredCalibration): SiteCalibrationMessage;
  /** Sends the site's current calibration to each of its agents; how many got it. */
  sendSite(site: string): Promise<number>;
  /** Sends one agent its site's current calibration, if any; whether it got one. */
  sendAgent(address: AgentAddress): Promise<boolean>;
  /** Every site's current calibration to its agents again; how many messages. */
  republishAll(): Promise<number>;
}

export function createCalibrationPublisher(deps: CalibrationPublisherDeps): CalibrationPublisher {
  const messageOf = (stored: StoredCalibration): SiteCalibrationMessage => ({
    v: 1,
    site: stored.site,
    version: stored.version,
    modelVersion: stored.modelVersion,
    signed: stored.signed,
    issuedAt: deps.now().toISOString(),
  });
  const sendSite = async (site: string) => {
    const current = await deps.calibrations.current(site);
    if (!current) return 0;
    const message = messageOf(current);
    const agents = (await deps.agents()).filter((a) => a.site === site);
    for (const address of agents) deps.publish(address, message);
    return agents.length;
  };
  return {
    messageOf,
    sendSite,
    async sendAgent(address) {
      const current = await deps.calibrations.current(address.site);
      if (current) deps.publish(address, messageOf(current));
      return current !== undefined;
    },
    async republishAll() {
      const sites = new Set((await deps.calibrations.list()).filter((c) => c.current).map((c) => c.site));
      let sent = 0;
      for (const site of sites) sent += await sendSite(site);
      return sent;
    },
  };
}

/** Known agents: the logins (`site/agent`) and the agents that reported a status, once each, sorted. */
export function knownAgents(usernames: readonly string[], fleet: readonly AgentAddress[]): AgentAddress[] {
  const all = new Map<string, AgentAddress>();
  for (const name of usernames) {
    const [site, agent, ...rest] = name.split('/');
    if (site && agent && rest.length === 0) all.set(name, { site, agent });
  }
  for (const a of fleet) all.set(`${a.site}/${a.agent}`, { site: a.site, agent: a.agent });
  return [...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, address]) => address);
}
