/**
 * A small REAL hub double for agent rollout tests: an mqtt.js client on the real broker that publishes
 * retained `model/desired` messages (validated with the protocol schema first, as the hub does) and records
 * every `model/state` report the agents publish (validated on receipt; invalid ones are counted).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { ModelDesired, ModelStateMessage } from '../../protocol/messages.ts';
import { type AgentAddress, filterForAll, parseTopic, topicFor } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';

export interface ReceivedState extends ModelStateMessage {
  agent: string;
  retained: boolean;
}

export interface RolloutDouble {
  states: ReceivedState[];
  invalid: number;
  /** Reports of one agent, optionally only those received from index `from` on. */
  statesOf(agent: string, from?: number): ReceivedState[];
  /** Publishes (retained, QoS 1) the desired version for one agent; `null` clears it. */
  desire(address: AgentAddress, desired: ModelDesired | null): Promise<void>;
  waitFor<T>(find: () => T | undefined | false, timeoutMs: number, what: string): Promise<T>;
  close(): Promise<void>;
}

export async function startRolloutDouble(
  url: string,
  clientId = `rollout-double-${process.pid}`,
): Promise<RolloutDouble> {
  const client: MqttClient = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 200, protocolVersion: 4 });
  const double: RolloutDouble = {
    states: [],
    invalid: 0,
    statesOf: (agent, from = 0) => double.states.slice(from).filter((s) => s.agent === agent),
    async desire(address, desired) {
      if (desired !== null && !decoders.modelDesired.check(desired)) throw new Error('test desired message is invalid');
      const payload = desired === null ? '' : JSON.stringify(desired);
      await client.publishAsync(topicFor(address, 'model/desired'), payload, { qos: 1, retain: true });
    },
    async waitFor(find, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find();
        if (found !== undefined && found !== false) return found as never;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => client.endAsync(),
  };
  client.on('message', (topic, payload, packet) => {
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'model/state' || payload.length === 0) return;
    try {
      double.states.push({ ...decoders.modelState.decode(payload), agent: parsed.agent, retained: packet.retain });
    } catch {
      double.invalid += 1;
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(filterForAll('model/state'), { qos: 1 });
  return double;
}
