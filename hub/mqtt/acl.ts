/**
 * Who may publish and subscribe where (pure). Agents log in as `<site>/<agent>` and may only publish
 * their own `result`, `status`, `model/state`, `report/ack` (protocol AGENT_PUBLISHES) and subscribe to exactly
 * their own `ack`, `model/desired`, `report` and `calibration` (AGENT_READS); no wildcards. The hub's own (privileged)
 * client may do anything under cxr/v1.
 * The Mosquitto ACL in deploy/mosquitto/acl implements the same rule with `%u` patterns.
 * Client ids: an agent's client id is kept in its own namespace (`scopedClientId`), so no login can take the
 * hub's or another agent's session (Mosquitto: `use_username_as_clientid true`, deploy/mosquitto/mosquitto.conf).
 */
import {
  AGENT_PUBLISHES,
  AGENT_READS,
  type AgentAddress,
  isValidId,
  parseTopic,
  TOPIC_ROOT,
  type TopicKind,
} from '../../protocol/topics.ts';

export type MqttPrincipal = { kind: 'hub' } | { kind: 'agent'; address: AgentAddress };

/** `<site>/<agent>` → address, or undefined when the username is not an agent name. */
export function agentFromUsername(username: string): AgentAddress | undefined {
  const parts = username.split('/');
  if (parts.length !== 2) return undefined;
  const [site, agent] = parts as [string, string];
  return isValidId(site) && isValidId(agent) ? { site, agent } : undefined;
}

export function usernameFor(address: AgentAddress): string {
  return `${address.site}/${address.agent}`;
}

function ownTopic(principal: MqttPrincipal, topic: string, kinds: readonly TopicKind[]): boolean {
  if (principal.kind === 'hub') return topic.startsWith(`${TOPIC_ROOT}/`);
  const parsed = parseTopic(topic);
  return (
    parsed !== undefined &&
    parsed.site === principal.address.site &&
    parsed.agent === principal.address.agent &&
    kinds.includes(parsed.kind)
  );
}

export function mayPublish(principal: MqttPrincipal, topic: string): boolean {
  return ownTopic(principal, topic, AGENT_PUBLISHES);
}

/** Agents subscribe to exact topics only (wildcards could read other agents' acks). */
export function maySubscribe(principal: MqttPrincipal, filter: string): boolean {
  if (principal.kind === 'hub') return filter === `${TOPIC_ROOT}/#` || filter.startsWith(`${TOPIC_ROOT}/`);
  if (filter.includes('+') || filter.includes('#')) return false;
  return ownTopic(principal, filter, AGENT_READS);
}

/**
 * The client id the broker registers for a CONNECT claiming `identity` (the username, or the CN of a client
 * certificate): the hub's login keeps its id; any other login's id is prefixed with that login, so an agent
 * that sends the hub's or another agent's client id only ever reaches a session of its own. An empty id
 * stays empty (the broker then makes up a unique one [MQTT-3.1.3-6]). The claim is checked afterwards by
 * `authenticate`; a refused login never registers a session.
 */
export function scopedClientId(identity: string | undefined, clientId: string, hubUsername: string): string {
  if (identity === hubUsername || clientId === '') return clientId;
  return `agent:${identity ?? ''}:${clientId}`;
}
