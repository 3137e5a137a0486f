/**
 * The test broker keeps a persistent session's queued QoS 1 messages across a restart on the same port:
 * the property the agent's offline-for-days delivery (and the hub's tests) rely on.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import mqtt from 'mqtt';
import { startMosquitto } from '../support/mosquitto.ts';

const broker = await startMosquitto();
after(() => broker.stop());

test('a persistent subscriber gets QoS 1 messages published while it was away, across a broker restart', async () => {
  const opts = { clientId: 'persist-sub', clean: false, reconnectPeriod: 0 } as const;
  const sub = await mqtt.connectAsync(broker.url, opts);
  await sub.subscribeAsync('t/persist', { qos: 1 });
  await sub.endAsync();

  const pub = await mqtt.connectAsync(broker.url, { clientId: 'persist-pub', reconnectPeriod: 0 });
  for (let i = 0; i < 5; i++) await pub.publishAsync('t/persist', `m${i}`, { qos: 1 });
  await pub.endAsync();

  await broker.restart();

  // Attach the handler before connecting: queued messages arrive right after CONNACK.
  const again = mqtt.connect(broker.url, opts);
  const got: string[] = [];
  await new Promise<void>((resolve) => {
    again.on('message', (_topic, payload) => {
      got.push(payload.toString());
      if (got.length === 5) resolve();
    });
  });
  await again.endAsync();
  assert.deepEqual(got.sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);
});
