/**
 * Drives a real running hub over HTTP (login, CSRF, JSON) and real MQTT agent clients, for the hub's
 * integration tests.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { AckMessage } from '../../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../../protocol/topics.ts';

export interface HttpSession {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Response>;
  post(path: string, body: unknown, options?: { csrf?: string | null }): Promise<Response>;
}

export async function login(baseUrl: string, username: string, password: string): Promise<HttpSession> {
  const response = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrf } = (await response.json()) as { csrf: string };
  return {
    cookie,
    csrf,
    get: (path) => fetch(`${baseUrl}${path}`, { headers: { cookie } }),
    post: (path, body, options = {}) => {
      const token = options.csrf === undefined ? csrf : options.csrf;
      return fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}) },
        body: JSON.stringify(body),
      });
    },
  };
}

export interface TestAgent {
  client: MqttClient;
  acks: AckMessage[];
  /** Resolves with the ack for this resultId (waits up to timeoutMs). */
  waitForAck(resultId: string, timeoutMs?: number): Promise<AckMessage>;
  publish(kind: 'result' | 'status' | 'model/state', body: unknown, address?: AgentAddress): Promise<void>;
  close(): Promise<void>;
}

export async function connectAgent(url: string, address: AgentAddress, password: string): Promise<TestAgent> {
  const client = await mqtt.connectAsync(url, {
    username: `${address.site}/${address.agent}`,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `test-${address.site}-${address.agent}-${Math.random().toString(16).slice(2, 8)}`,
  });
  const acks: AckMessage[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (_topic, payload) => {
    acks.push(JSON.parse(payload.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  await client.subscribeAsync(topicFor(address, 'ack'), { qos: 1 });
  return {
    client,
    acks,
    async waitForAck(resultId, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ack = acks.find((a) => a.resultId === resultId);
        if (ack) return ack;
        if (Date.now() > deadline) throw new Error(`no ack for ${resultId} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async publish(kind, body, target = address) {
      await client.publishAsync(topicFor(target, kind), JSON.stringify(body), { qos: 1 });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
