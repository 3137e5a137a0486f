/**
 * Status (pure): the agent's retained StatusMessage, published periodically and as the offline last will.
 */
import type { StatusMessage } from '../../protocol/messages.ts';

export interface StatusSnapshot {
  site: string;
  agent: string;
  agentVersion: string;
  startedAt: number;
  now: number;
  backlog: number;
  outbox: number;
  quarantined: number;
  model?: { version: string; sha256: string };
  runtime?: string;
  diskFreeBytes: number;
  intakePaused: boolean;
  /** Results go out but the hub's acks stopped (agent/sync/ack-watch.ts). */
  acksStalled?: boolean;
}

export function onlineStatus(s: StatusSnapshot): StatusMessage {
  return {
    v: 1,
    site: s.site,
    agent: s.agent,
    online: true,
    at: new Date(s.now).toISOString(),
    agentVersion: s.agentVersion,
    uptimeS: Math.max(0, Math.round((s.now - s.startedAt) / 1000)),
    backlog: s.backlog,
    outbox: s.outbox,
    quarantined: s.quarantined,
    ...(s.model ? { model: s.model } : {}),
    ...(s.runtime ? { runtime: s.runtime } : {}),
    diskFreeBytes: Math.max(0, s.diskFreeBytes),
    intakePaused: s.intakePaused,
    // Only while true: a hub older than the field drops a status that carries it.
    ...(s.acksStalled ? { acksStalled: true } : {}),
  };
}

/** The last will: what the hub sees (retained) when the agent drops off without saying goodbye. */
export function offlineStatus(site: string, agent: string, now: number): StatusMessage {
  return { v: 1, site, agent, online: false, at: new Date(now).toISOString() };
}
