/**
 * The agent tells the hub it is online only once it can screen: its pixel workers (each loading a text detector
 * when pixels leave the clinic, a second or more) start before the broker link. With a real Mosquitto and a
 * stand-in worker that takes 1.5 s to start and leaves a marker file when it is ready, every "online" status the
 * hub receives must come after the marker.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { filterForAll } from '../../protocol/topics.ts';
import { agentFixture } from '../agent/fixture.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const SLOW_WORKER = new URL('../agent/pipeline/pool/slow-ready-worker.mjs', import.meta.url);

describe('agent online status (real broker)', () => {
  let broker: RunningMosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    delete process.env.CXR_TEST_READY_MARKER;
    await broker?.stop();
  });

  it('publishes "online" only after its pixel workers are ready', async () => {
    const fx = await agentFixture();
    const marker = join(fx.root, 'workers-ready');
    process.env.CXR_TEST_READY_MARKER = marker; // worker threads start with a copy of the environment
    const seen: { online: boolean; workersReady: boolean }[] = [];
    const hub = await mqtt.connectAsync(broker.url, { clientId: 'online-test-hub' });
    hub.on('message', (_topic, payload) => {
      const status = JSON.parse(payload.toString()) as { agent: string; online: boolean };
      if (status.agent === 'slow-start') seen.push({ online: status.online, workersReady: existsSync(marker) });
    });
    await hub.subscribeAsync(filterForAll('status'), { qos: 1 });
    const config = fx.config(broker.url, {
      agentId: 'slow-start',
      workers: 1,
      mqtt: { url: broker.url, statusIntervalMs: 200 },
    });
    const agent = await startAgent(parseAgentConfig(config, fx.root), {
      logger: pino({ level: 'silent' }),
      pixelWorkerUrl: SLOW_WORKER,
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!seen.some((s) => s.online)) {
        assert.ok(Date.now() < deadline, 'no online status within 20 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(existsSync(marker), 'the worker started');
      assert.deepEqual(
        seen.filter((s) => s.online && !s.workersReady),
        [],
        'no online status before the pixel workers were ready',
      );
    } finally {
      await agent.close();
      await hub.endAsync();
    }
  });
});
