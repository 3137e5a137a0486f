/**
 * Issue #15: the agent takes its desired model and its site's calibration over HTTP when the broker has lost the
 * retained messages. A real hub (SQLite) on a REAL Mosquitto and a real agent (in-process, tiny model). The agent is
 * seen once (the hub greets it), then stops; the hub pins it to 2.0.0 and a trainer publishes a calibration, both
 * retained on Mosquitto (checked). Mosquitto is restarted without its persistence: retained messages and sessions
 * are gone (checked: a probe subscribed to both topics gets nothing before its own marker, and stays subscribed
 * throughout). The restarted agent gets no MQTT message on either topic, yet polls `GET …/desired` and
 * `…/calibration` with its own login, takes 2.0.0 up once (through the same handler and model manager as MQTT),
 * keeps the calibration, and the hub sees 2.0.0 active over MQTT.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { CALIBRATION_FILE } from '../../agent/model/site-calibration-keeper.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { TINY_CLASSES } from '../../models/package/tiny-model.ts';
import { signSiteCalibration } from '../../models/triage/site-calibration.ts';
import { topicFor } from '../../protocol/topics.ts';
import { agentFixture } from '../agent/fixture.ts';
import { PASSWORDS } from '../hub/fixtures.ts';
import { login, waitFor } from '../hub/harness.ts';
import { PUBLISH_TOKEN, PUBLISHER_KEYS, packageTar, registryHubConfig } from '../hub/registry-fixtures.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const AGENT = { site: 'clinic-1', agent: 'room-2' };
const TRAINER_PASSWORD = 'trainer-password-for-tests';
const WAIT_MS = 40_000;
const TOPICS = [topicFor(AGENT, 'model/desired'), topicFor(AGENT, 'calibration')];

let broker: RunningMosquitto;
let hub: RunningHub;
let agent: RunningAgent | undefined;
let probe: MqttClient | undefined;

interface Line {
  level: number;
  msg: string;
  kind?: string;
  model?: string;
  calibrationVersion?: number;
  desired?: string;
}

function capture() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
}

/** Subscribes to the agent's retained topics; resolves with what came before a marker sent through the broker. */
async function retainedNow(client: MqttClient): Promise<string[]> {
  const seen: string[] = [];
  const marker = `cxr/test/marker-${Math.random().toString(16).slice(2)}`;
  const arrived = new Promise<void>((resolve) => {
    client.on('message', (topic, payload) => {
      if (topic === marker) resolve();
      else if (TOPICS.includes(topic) && payload.length > 0) seen.push(topic);
    });
  });
  await client.subscribeAsync(TOPICS, { qos: 1 });
  await client.subscribeAsync(marker, { qos: 1 });
  await client.publishAsync(marker, 'x', { qos: 1 });
  await arrived; // one connection delivers in order: retained messages come right after their SUBACK
  return seen;
}

before(async () => {
  broker = await startMosquitto();
  hub = await startHub(
    registryHubConfig(
      {
        mqtt: { broker: 'external', url: broker.url, username: 'cxr-hub', password: 'x' },
        trainers: [{ name: 'gpu-1', passwordHash: hashPassword(TRAINER_PASSWORD) }],
      },
      [AGENT],
    ),
  );
});
after(async () => {
  await probe?.endAsync(true);
  await agent?.close();
  await hub?.close();
  await broker?.stop();
});

it('takes the desired model and the calibration over HTTP when the broker lost the retained messages', async () => {
  const fx = await agentFixture({ model: 'tiny' });
  writeFileSync(join(fx.keysDir, 'fleet.pub.pem'), PUBLISHER_KEYS.publicKeyPem); // packages and calibrations
  const raw = fx.config(broker.url, { sendPixels: false, http: { port: -1 }, pixels: { hubUrl: hub.httpUrl } });
  const config = parseAgentConfig(
    { ...raw, mqtt: { ...(raw.mqtt as object), username: 'clinic-1/room-2', password: PASSWORDS.agent } },
    fx.root,
  );
  const fleetRow = () =>
    hub.hub.db.kysely
      .selectFrom('agents')
      .select(['status', 'model_state'])
      .where('site', '=', AGENT.site)
      .where('agent', '=', AGENT.agent)
      .executeTakeFirst();

  // 1. The agent is seen once (its status greets it on the hub), with nothing desired yet.
  const first = capture();
  agent = await startAgent(config, { logger: first.logger });
  await waitFor(async () => (await fleetRow())?.status ?? undefined, WAIT_MS);
  await waitFor(() => first.lines.find((l) => l.msg === 'hub state polled' && l.desired === 'none'), WAIT_MS);
  await agent.close();
  agent = undefined;

  // 2. While it is away the hub pins it to 2.0.0 and a trainer publishes the site's calibration: both retained.
  const tar = await packageTar('2.0.0', { seed: 2 });
  const published = await fetch(`${hub.httpUrl}/api/models`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
    body: new Uint8Array(tar),
  });
  assert.equal(published.status, 201, await published.clone().text());
  const admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
  const pin = await fetch(`${hub.httpUrl}/api/pins`, {
    method: 'PUT',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ ...AGENT, version: '2.0.0' }),
  });
  assert.equal(pin.status, 200, await pin.clone().text());
  const session = await fetch(`${hub.httpUrl}/api/trainer/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'gpu-1', password: TRAINER_PASSWORD }),
  });
  const { token } = (await session.json()) as { token: string };
  const trainer = (path: string, body: unknown = {}) =>
    fetch(`${hub.httpUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const job = await admin.post('/api/training/jobs', { kind: 'recalibrate', site: AGENT.site });
  const jobId = ((await job.json()) as { id: string }).id;
  assert.equal((await trainer('/api/trainer/jobs/claim')).status, 200);
  const findings = TINY_CLASSES.filter((c) => c !== 'Normal');
  const signed = signSiteCalibration(
    {
      site: AGENT.site,
      modelName: 'tiny-densenet',
      modelVersion: '2.0.0',
      thresholds: Object.fromEntries(findings.map((c) => [c, { threshold: 0.3, chosenOn: 'test' }])),
      reads: 20,
      createdAt: new Date().toISOString(),
    },
    PUBLISHER_KEYS.privateKeyPem,
  );
  const calibrated = await trainer(`/api/trainer/jobs/${jobId}/calibration`, signed);
  assert.equal(calibrated.status, 201, await calibrated.clone().text());
  const before = await mqtt.connectAsync(broker.url, { clientId: 'probe-before', reconnectPeriod: 0 });
  const retained = await waitFor(async () => {
    const seen = await retainedNow(before);
    return seen.length === 2 ? seen : undefined;
  }, WAIT_MS).finally(() => before.endAsync(true));
  assert.deepEqual(retained.sort(), [...TOPICS].sort(), 'the hub published both, retained');

  // 3. Mosquitto restarts without its persistence: the retained messages and the agent's session are gone.
  await broker.stop();
  broker = await startMosquitto({ port: broker.port });
  probe = await mqtt.connectAsync(broker.url, { clientId: 'probe-after', reconnectPeriod: 0 });
  assert.deepEqual(await retainedNow(probe), [], 'no retained desired model or calibration on the broker');
  const overMqtt: string[] = [];
  probe.on('message', (topic, payload) => {
    if (TOPICS.includes(topic) && payload.length > 0) overMqtt.push(topic);
  });

  // 4. The agent comes back: the HTTP poll brings both, through the same handlers and the one order.
  const second = capture();
  agent = await startAgent(config, { logger: second.logger });
  const running = agent;
  await waitFor(() => (running.model.manifest.version === '2.0.0' ? true : undefined), WAIT_MS);
  const row = await waitFor(async () => {
    const r = await fleetRow();
    const state = r?.model_state ? (JSON.parse(r.model_state) as { version: string; state: string }) : undefined;
    return state?.version === '2.0.0' && state.state === 'active' ? r : undefined;
  }, WAIT_MS);
  assert.ok(row, 'the hub saw 2.0.0 active over MQTT');
  const kept = await waitFor(() => {
    try {
      return JSON.parse(readFileSync(join(fx.dataDir, CALIBRATION_FILE), 'utf8')) as { version: number };
    } catch {
      return undefined;
    }
  }, WAIT_MS);
  assert.equal(kept.version, 1, 'the calibration is kept');
  // Kept before the switch (for 2.0.0, ignored while 0.0.1 ran) or after it (in use): either way logged once.
  await waitFor(() => second.lines.find((l) => l.msg.startsWith('site calibration') && l.calibrationVersion === 1));
  await waitFor(() => second.lines.filter((l) => l.msg === 'hub state polled').length >= 2 || undefined);

  const httpReads = second.lines.filter((l) => l.msg === 'hub state read over HTTP').map((l) => l.kind);
  assert.deepEqual([...new Set(httpReads)].sort(), ['calibration', 'desired'], 'both read over HTTP');
  assert.deepEqual(overMqtt, [], 'no desired model or calibration came over MQTT');
  const takeUps = second.lines.filter((l) => l.msg === 'taking up a model');
  assert.deepEqual(
    takeUps.map((l) => l.model),
    ['2.0.0'],
    'one take-up, though the poll ran at start and at connect',
  );
  assert.equal(second.lines.filter((l) => l.level >= 50).length, 0, 'no error logged');
});
