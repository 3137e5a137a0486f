/**
 * Issue #17 item 6: with a real Mosquitto stopped for a few seconds under a running hub, the hub logs the
 * loss once (warn), its reconnect attempts only at debug level (no error line per second), and the return
 * once (info) with how long the broker was away; results flow again afterwards.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import pino from 'pino';
import { startHub } from '../../hub/main.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../hub/fixtures.ts';
import { connectAgent, waitFor } from '../hub/harness.ts';
import { startMosquitto } from '../support/mosquitto.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const OUTAGE_MS = 3_500;

it('logs a broker outage once when it starts and once when it ends, with its duration', async () => {
  const lines: { level: number; msg: string; component?: string; downMs?: number }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'debug', base: { service: 'hub' } }, sink);
  let broker = await startMosquitto();
  const hub = await startHub(
    hubConfig({ mqtt: { broker: 'external', url: broker.url, username: 'cxr-hub', password: 'x' } }),
    { log },
  );
  try {
    const mqttLines = () => lines.filter((l) => l.component === 'mqtt');
    const since = mqttLines().length;
    await broker.stop();
    const stoppedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    broker = await startMosquitto({ port: broker.port });
    const downFor = performance.now() - stoppedAt;
    const restored = await waitFor(() => mqttLines().find((l) => l.msg === 'MQTT broker connection restored'), 15_000);

    const during = mqttLines().slice(since);
    const lost = during.filter((l) => l.msg.startsWith('MQTT broker connection lost'));
    assert.equal(lost.length, 1, 'the loss is logged once');
    assert.equal(lost[0]!.level, 40, 'as a warning');
    assert.equal(during.filter((l) => l.level >= 50).length, 0, 'no error line per reconnect attempt');
    assert.ok(during.filter((l) => l.msg === 'MQTT reconnecting').length >= 2, 'it kept trying (at debug level)');
    assert.equal(during.filter((l) => l.msg === 'MQTT broker connection restored').length, 1);
    assert.equal(restored.level, 30);
    assert.ok(
      restored.downMs! >= downFor - 200,
      `downMs ${restored.downMs} covers the ${downFor.toFixed(0)} ms outage`,
    );

    const agent = await connectAgent(broker.url, A, PASSWORDS.agent);
    try {
      const message = await resultMessage();
      await agent.publish('result', message);
      assert.equal((await agent.waitForAck(message.resultId)).status, 'stored', 'ingest works again');
    } finally {
      await agent.close();
    }
  } finally {
    await hub.close();
    await broker.stop();
  }
});
