/**
 * A small REAL hub double for agent tests: an mqtt.js client on the real broker that subscribes to every
 * agent's results, validates and records them (idempotently, by resultId) and answers each with an AckMessage
 * on the agent's ack topic, as the hub does. Keeps every raw payload for privacy scans.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ResultMessage, StatusMessage } from '../../protocol/messages.ts';
import { filterForAll, parseTopic, topicFor } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';

export interface AckResponder {
  /** Distinct results by resultId. */
  results: Map<string, ResultMessage>;
  /** How many times each resultId arrived (re-sends show up here). */
  deliveries: Map<string, number>;
  /** Every payload received on any topic, raw. */
  raw: string[];
  statuses: StatusMessage[];
  invalid: number;
  /** Stop / resume acking (a hub that is down or slow). */
  setAcking(on: boolean): void;
  waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAckResponder(
  url: string,
  clientId = `ack-responder-${process.pid}`,
  /** Extra mqtt.js options (TLS ca/cert/key, username/password). */
  extra: IClientOptions = {},
): Promise<AckResponder> {
  const client: MqttClient = mqtt.connect(url, {
    clientId,
    clean: false,
    reconnectPeriod: 200,
    protocolVersion: 4,
    ...extra,
  });
  let acking = true;
  const responder: AckResponder = {
    results: new Map(),
    deliveries: new Map(),
    raw: [],
    statuses: [],
    invalid: 0,
    setAcking(on) {
      acking = on;
    },
    async waitFor(predicate, timeoutMs, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => client.endAsync(),
  };
  client.on('message', (topic, payload) => {
    const text = payload.toString();
    responder.raw.push(text);
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'status') {
      if (decoders.status.check(JSON.parse(text))) responder.statuses.push(JSON.parse(text) as StatusMessage);
      return;
    }
    if (parsed?.kind !== 'result') return;
    let result: ResultMessage;
    try {
      result = decoders.result.decode(payload);
    } catch {
      responder.invalid += 1;
      return;
    }
    responder.deliveries.set(result.resultId, (responder.deliveries.get(result.resultId) ?? 0) + 1);
    const status = responder.results.has(result.resultId) ? 'duplicate' : 'stored';
    responder.results.set(result.resultId, result);
    if (!acking) return;
    const ack = { v: 1 as const, resultId: result.resultId, status };
    client.publish(topicFor(parsed, 'ack'), JSON.stringify(ack), { qos: 1 });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync([filterForAll('result'), filterForAll('status')], { qos: 1 });
  return responder;
}
