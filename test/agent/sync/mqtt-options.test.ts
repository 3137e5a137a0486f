/**
 * The agent's MQTT options: one broker by default; with `mqtt.failoverUrls` (a broker cluster) every node as
 * an mqtt.js server, `url` first, TLS kept per node; a path or a WebSocket URL is not a node.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAgentConfig } from '../../../agent/config.ts';
import { mqttOptions } from '../../../agent/sync/mqtt-options.ts';

const base = {
  site: 'clinic-1',
  agentId: 'xr-room-2',
  siteSecret: 's'.repeat(32),
  dataDir: 'data',
  watch: [{ path: 'incoming' }],
  model: { dir: 'model', trustedKeysDir: 'keys' },
  mqtt: { url: 'mqtts://nats-1:8883' },
};
const will = { topic: 'cxr/v1/clinic-1/xr-room-2/status', payload: '{}' };

it('lists every broker node, url first, when failoverUrls are given', () => {
  assert.equal(mqttOptions(parseAgentConfig(base, '/'), will).servers, undefined);
  const config = parseAgentConfig(
    { ...base, mqtt: { ...base.mqtt, failoverUrls: ['mqtts://nats-2:8883', 'mqtt://nats-3'] } },
    '/',
  );
  assert.deepEqual(mqttOptions(config, will).servers, [
    { host: 'nats-1', port: 8883, protocol: 'mqtts' },
    { host: 'nats-2', port: 8883, protocol: 'mqtts' },
    { host: 'nats-3', port: 1883, protocol: 'mqtt' },
  ]);
  assert.throws(() => parseAgentConfig({ ...base, mqtt: { ...base.mqtt, failoverUrls: ['wss://nats-2/mqtt'] } }, '/'), {
    code: 'CXR_ERR_AGENT_CONFIG_INVALID',
  });
});

it('keeps reconnecting, to the next node, after a broker refuses the CONNACK', () => {
  // mqtt.js stops reconnecting for good after a refused CONNACK unless told otherwise (test/integration/agent-failover.test.ts).
  assert.equal(mqttOptions(parseAgentConfig(base, '/'), will).reconnectOnConnackError, true);
});
