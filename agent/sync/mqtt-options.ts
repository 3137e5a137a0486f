/**
 * MQTT client options for the agent (pure but for reading TLS files): fixed client id + `clean: false`
 * for a persistent session (QoS 1 subscriptions and in-flight messages survive reconnects), TLS with a CA
 * and/or client certificate, username/password, and a retained offline StatusMessage as last will. With
 * `failoverUrls` (a broker cluster) mqtt.js tries `url` and then each other node in turn: every connect attempt
 * (a node that refuses the TCP connection, closes it, or sends no CONNACK within `connectTimeout`) moves to the
 * next. A node that answers CONNACK with a refusal (not authorized, server unavailable) is retried like a lost
 * link: mqtt.js's default gives up reconnecting for good after one refused CONNACK, which can leave an agent
 * connected to no node at all (docs/scale-out.md, "The scale-out test's hang").
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { CxrError } from '../../models/errors.ts';
import type { AgentConfig } from '../config.ts';

export function clientIdFor(config: Pick<AgentConfig, 'site' | 'agentId' | 'mqtt'>): string {
  return config.mqtt.clientId ?? `cxr-agent-${config.site}-${config.agentId}`;
}

/** A PEM file named in the config; unreadable → CXR_ERR_AGENT_CONFIG_INVALID. Also used for https package URLs. */
export function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new CxrError('CXR_ERR_AGENT_CONFIG_INVALID', `cannot read MQTT ${what} file ${path}`, { cause });
  }
}

/** One mqtt.js `servers` entry from a broker URL (mqtt/tcp plain, mqtts/ssl TLS). */
function serverOf(url: string): { host: string; port: number; protocol: 'mqtt' | 'mqtts' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'mqtts:' || parsed.protocol === 'ssl:' ? 'mqtts' : 'mqtt';
  return { host: parsed.hostname, port: Number(parsed.port) || (protocol === 'mqtts' ? 8883 : 1883), protocol };
}

export function mqttOptions(
  config: Pick<AgentConfig, 'site' | 'agentId' | 'mqtt'>,
  will: { topic: string; payload: string },
): IClientOptions {
  const m = config.mqtt;
  const options: IClientOptions = {
    clientId: clientIdFor(config),
    clean: false, // persistent session [MQTT-3.1.2-4]
    protocolVersion: 4,
    keepalive: m.keepaliveS,
    reconnectPeriod: Math.min(m.retryInitialMs, 5000),
    connectTimeout: 10_000,
    reconnectOnConnackError: true,
    queueQoSZero: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  if (m.failoverUrls.length > 0) options.servers = [m.url, ...m.failoverUrls].map(serverOf);
  if (m.username !== undefined) options.username = m.username;
  if (m.password !== undefined) options.password = m.password;
  const ca = readPem(m.caFile, 'CA');
  const cert = readPem(m.certFile, 'certificate');
  const key = readPem(m.keyFile, 'key');
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  return options;
}
