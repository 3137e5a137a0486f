/**
 * MQTT topic scheme for agent <-> hub traffic (ARCHITECTURE.md): `cxr/v1/<site>/<agent>/<kind>`.
 * Pure functions: building and parsing topics, and the per-agent ACL rule.
 */
export const TOPIC_ROOT = 'cxr/v1';

export type TopicKind =
  | 'result'
  | 'status'
  | 'ack'
  | 'model/desired'
  | 'model/state'
  | 'report'
  | 'report/ack'
  | 'calibration';
const KINDS: readonly TopicKind[] = [
  'result',
  'status',
  'ack',
  'model/desired',
  'model/state',
  'report',
  'report/ack',
  'calibration',
];

/** Kinds an agent publishes; the others it only subscribes to. */
export const AGENT_PUBLISHES: readonly TopicKind[] = ['result', 'status', 'model/state', 'report/ack'];

/** Kinds an agent subscribes to (its own topics only, no wildcards). */
export const AGENT_READS: readonly TopicKind[] = ['ack', 'model/desired', 'report', 'calibration'];

export interface AgentAddress {
  site: string;
  agent: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Site and agent ids are topic levels: no wildcards, separators or empties [MQTT-4.7.1]. */
export function isValidId(id: string): boolean {
  return ID.test(id);
}

export function topicFor(address: AgentAddress, kind: TopicKind): string {
  return `${TOPIC_ROOT}/${address.site}/${address.agent}/${kind}`;
}

/** The subscription filter for one kind from every agent (hub side). */
export function filterForAll(kind: TopicKind): string {
  return `${TOPIC_ROOT}/+/+/${kind}`;
}

export interface ParsedTopic extends AgentAddress {
  kind: TopicKind;
}

export function parseTopic(topic: string): ParsedTopic | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const [site, agent, ...rest] = topic.slice(prefix.length).split('/');
  const kind = rest.join('/') as TopicKind;
  if (site === undefined || agent === undefined || !isValidId(site) || !isValidId(agent)) return undefined;
  return KINDS.includes(kind) ? { site, agent, kind } : undefined;
}
