/**
 * How NATS names what MQTT clients send (pure). The NATS server's MQTT gateway (Debian's 2.9.10, MQTT 3.1.1)
 * turns a topic into a subject by '/' → '.' (and a '.' inside a level into '//'); every QoS 1 publish is
 * stored in the account's stream `$MQTT_msgs` under `$MQTT.msgs.<subject>` before the client gets its PUBACK.
 * Hub replicas read results from that stream through one durable consumer filtered to result subjects
 * (docs/scale-out.md). An agent's NATS permissions are the same rule as hub/mqtt/acl.ts: publish only its own
 * `result`, `status`, `model/state`, `report/ack`; read only its own `ack`, `model/desired`, `report`.
 */
import { AGENT_PUBLISHES, AGENT_READS, type AgentAddress, topicFor } from '../../protocol/topics.ts';

/** The stream the MQTT gateway keeps QoS 1 messages in (created when the first MQTT client connects). */
export const MQTT_MESSAGES_STREAM = '$MQTT_msgs';
const STORED_PREFIX = '$MQTT.msgs.';
/** Every agent's results, as stored by the gateway. */
export const RESULTS_FILTER = `${STORED_PREFIX}cxr.v1.*.*.result`;

/** The NATS subject an MQTT topic is published on. */
export function subjectOf(topic: string): string {
  return topic
    .split('/')
    .map((level) => level.replaceAll('.', '//'))
    .join('.');
}

/** The MQTT topic of a subject in `$MQTT_msgs` (`$MQTT.msgs.cxr.v1.a.b.result` → `cxr/v1/a/b/result`). */
export function topicOfStored(subject: string): string | undefined {
  if (!subject.startsWith(STORED_PREFIX)) return undefined;
  return subject
    .slice(STORED_PREFIX.length)
    .split('.')
    .map((token) => token.replaceAll('//', '.'))
    .join('/');
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/**
 * An agent's permissions. `$MQTT.sub.>` is where the gateway delivers an MQTT client's QoS 1 subscriptions
 * (without it every QoS 1 SUBSCRIBE fails); MQTT clients cannot subscribe to it themselves, and agent users
 * may connect over MQTT only (`allowed_connection_types`), so it reads nothing of other agents.
 */
export function agentPermissions(address: AgentAddress): NatsPermissions {
  return {
    publish: AGENT_PUBLISHES.map((kind) => subjectOf(topicFor(address, kind))),
    subscribe: ['$MQTT.sub.>', ...AGENT_READS.map((kind) => subjectOf(topicFor(address, kind)))],
  };
}

/** The hub's: every cxr/v1 topic over MQTT, and the JetStream API and acks for the results consumer. */
export const HUB_PERMISSIONS: NatsPermissions = {
  publish: ['cxr.v1.>', '$JS.API.>', '$JS.ACK.$MQTT_msgs.>'],
  subscribe: ['cxr.v1.>', '$MQTT.sub.>', '_INBOX.>'],
};
