/**
 * A real hub with its embedded broker and plain mqtt.js clients logged in as agents: packages published
 * over HTTP, a rollout that sends the canary a retained `model/desired` (seen live and by a late
 * subscriber, with a capability URL that downloads the exact bytes), advances to the next wave when the
 * canary reports `active`, completes, and a second rollout that aborts itself when the canary reports
 * `failed` and sends it its previous version back. Rollout changes reach the dashboard as SSE events.
 * After a restart (the embedded broker keeps retained messages in memory) agents get their desired again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { type RunningHub, startHub } from '../../hub/main.ts';
import type { ModelDesired } from '../../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import { PASSWORDS } from '../hub/fixtures.ts';
import { type HttpSession, login, waitFor } from '../hub/harness.ts';
import { PUBLISH_TOKEN, packageTar, registryHubConfig, statusOn } from '../hub/registry-fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };

interface FakeAgent {
  client: MqttClient;
  desired: { message: ModelDesired; retained: boolean }[];
  close(): Promise<void>;
}

/** An mqtt.js client with the agent's login; subscribes to its own model/desired when `subscribe`. */
async function fakeAgent(hub: RunningHub, address: AgentAddress, subscribe: boolean): Promise<FakeAgent> {
  const client = await mqtt.connectAsync(hub.mqttUrl, {
    username: `${address.site}/${address.agent}`,
    password: PASSWORDS.agent,
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `fake-${address.agent}-${Math.random().toString(16).slice(2, 8)}`,
  });
  const desired: FakeAgent['desired'] = [];
  client.on('message', (topic, payload, packet) => {
    if (topic === topicFor(address, 'model/desired') && payload.length > 0) {
      desired.push({ message: decoders.modelDesired.decode(payload), retained: packet.retain });
    }
  });
  if (subscribe) await client.subscribeAsync(topicFor(address, 'model/desired'), { qos: 1 });
  return { client, desired, close: () => client.endAsync(true) };
}

function publishJson(agent: FakeAgent, address: AgentAddress, kind: 'status' | 'model/state', body: unknown) {
  return agent.client.publishAsync(topicFor(address, kind), JSON.stringify(body), { qos: 1, retain: true });
}

const modelState = (rolloutId: string, version: string, state: string, extra: object = {}) => ({
  v: 1,
  rolloutId,
  version,
  state,
  at: new Date().toISOString(),
  ...extra,
});

describe('hub rollout over the embedded broker', () => {
  let hub: RunningHub;
  let admin: HttpSession;
  const agents: FakeAgent[] = [];
  const tars = new Map<string, Buffer>();

  const rollout = async (id: string) =>
    (await (await admin.get(`/api/rollouts/${id}`)).json()) as {
      status: string;
      wavesIssued: number;
      agents: { site: string; agent: string; shown: string }[];
    };

  before(async () => {
    hub = await startHub(registryHubConfig({}, [A, B]));
    for (const [version, seed] of [
      ['1.0.0', 1],
      ['1.1.0', 2],
      ['1.2.0', 3],
    ] as const) {
      const tar = await packageTar(version, { seed });
      tars.set(version, tar);
      const response = await fetch(`${hub.httpUrl}/api/models`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
        body: new Uint8Array(tar),
      });
      assert.equal(response.status, 201, await response.text());
    }
    admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
  });
  after(async () => {
    for (const agent of agents) await agent.close();
    await hub.close();
  });

  it('sends the canary a retained desired, advances to the next wave on active, completes', async () => {
    const a = await fakeAgent(hub, A, true);
    const b = await fakeAgent(hub, B, false);
    agents.push(a, b);
    await publishJson(a, A, 'status', statusOn(A.site, A.agent, '1.0.0'));
    await publishJson(b, B, 'status', statusOn(B.site, B.agent, '1.0.0'));
    await waitFor(async () => {
      const fleet = (await (await admin.get('/api/fleet')).json()) as { agents: { online: boolean }[] };
      return fleet.agents.filter((x) => x.online).length === 2 ? true : undefined;
    });

    const events = await fetch(`${hub.httpUrl}/api/events`, { headers: { cookie: admin.cookie } });
    const reader = events.body!.getReader();
    const started = await admin.post('/api/rollouts', {
      version: '1.1.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
      waitS: 0,
    });
    assert.equal(started.status, 201, await started.clone().text());
    const { id } = (await started.json()) as { id: string };

    const live = await waitFor(() => a.desired.find((d) => d.message.rolloutId === id));
    assert.equal(live.message.version, '1.1.0');
    assert.equal(live.message.sha256, createHash('sha256').update(tars.get('1.1.0')!).digest('hex'));
    assert.equal(live.message.sizeBytes, tars.get('1.1.0')!.length);
    assert.ok(live.message.url.startsWith(`${hub.httpUrl}/api/models/1.1.0/package.tar?agent=clinic-a/xr-1&token=`));
    const download = await fetch(live.message.url);
    assert.equal(download.status, 200);
    assert.ok(
      Buffer.from(await download.arrayBuffer()).equals(tars.get('1.1.0')!),
      'the capability URL serves the bytes',
    );
    let text = '';
    while (!text.includes('event: rollout')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`event stream ended before a rollout event: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    assert.match(text, new RegExp(`event: rollout\\ndata: \\{"id":"${id}"\\}`));
    await reader.cancel();

    const late = await fakeAgent(hub, A, true);
    agents.push(late);
    const retained = await waitFor(() => late.desired[0]);
    assert.deepEqual([retained.retained, retained.message.version, retained.message.rolloutId], [true, '1.1.0', id]);
    assert.equal(b.desired.length, 0);
    assert.equal((await rollout(id)).wavesIssued, 1, 'the next wave waits for the canary');

    await publishJson(a, A, 'model/state', modelState(id, '1.1.0', 'downloading', { bytes: 1, totalBytes: 2 }));
    await publishJson(a, A, 'model/state', modelState(id, '1.1.0', 'active', { activeVersion: '1.1.0' }));
    await waitFor(async () => ((await rollout(id)).wavesIssued === 2 ? true : undefined));
    await b.client.subscribeAsync(topicFor(B, 'model/desired'), { qos: 1 });
    const forB = await waitFor(() => b.desired[0]);
    assert.deepEqual([forB.retained, forB.message.version, forB.message.rolloutId], [true, '1.1.0', id]);
    await publishJson(b, B, 'model/state', modelState(id, '1.1.0', 'active'));
    const done = await waitFor(async () => {
      const r = await rollout(id);
      return r.status === 'completed' ? r : undefined;
    });
    assert.deepEqual(
      done.agents.map((x) => x.shown),
      ['active', 'active'],
    );
  });

  it('aborts itself when the canary reports failed and sends it its previous version', async () => {
    const [a, b] = agents as [FakeAgent, FakeAgent];
    await publishJson(a, A, 'status', statusOn(A.site, A.agent, '1.1.0'));
    await publishJson(b, B, 'status', statusOn(B.site, B.agent, '1.1.0'));
    await waitFor(async () => {
      const fleet = (await (await admin.get('/api/fleet')).json()) as { agents: { modelVersion: string }[] };
      return fleet.agents.every((x) => x.modelVersion === '1.1.0') ? true : undefined;
    });
    const started = await admin.post('/api/rollouts', {
      version: '1.2.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
      waitS: 0,
    });
    const { id } = (await started.json()) as { id: string };
    await waitFor(() => a.desired.find((d) => d.message.rolloutId === id && d.message.version === '1.2.0'));
    await publishJson(
      a,
      A,
      'model/state',
      modelState(id, '1.2.0', 'failed', { code: 'CXR_ERR_MODEL_SELFTEST_FAILED' }),
    );
    const back = await waitFor(() =>
      a.desired.find((d) => d.message.rolloutId === id && d.message.version === '1.1.0'),
    );
    assert.equal(back.message.url.includes('/api/models/1.1.0/package.tar'), true);
    const aborted = await rollout(id);
    assert.equal(aborted.status, 'aborted');
    assert.deepEqual(
      aborted.agents.map((x) => [x.agent, x.shown]),
      [['xr-1', 'reverting']],
    );

    const lateB = await fakeAgent(hub, B, true);
    agents.push(lateB);
    const retainedB = await waitFor(() => lateB.desired[0]);
    assert.equal(retainedB.message.version, '1.1.0', 'the second wave never went out');
    assert.notEqual(retainedB.message.rolloutId, id);
    const lateA = await fakeAgent(hub, A, true);
    agents.push(lateA);
    assert.equal((await waitFor(() => lateA.desired[0])).message.version, '1.1.0', 'retained: the previous version');
  });
});

it('gives agents their retained desired again after a restart (the embedded broker kept it in memory only)', async () => {
  const config = registryHubConfig({}, [A]);
  let hub = await startHub(config);
  const tar = await packageTar('3.0.0', { seed: 4 });
  const published = await fetch(`${hub.httpUrl}/api/models`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
    body: new Uint8Array(tar),
  });
  assert.equal(published.status, 201);
  const admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
  const pin = await fetch(`${hub.httpUrl}/api/pins`, {
    method: 'PUT',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ site: A.site, agent: A.agent, version: '3.0.0' }),
  });
  assert.equal(pin.status, 200);
  await hub.close();

  hub = await startHub(config);
  try {
    const agent = await fakeAgent(hub, A, true);
    const retained = await waitFor(() => agent.desired[0]);
    assert.deepEqual([retained.retained, retained.message.version], [true, '3.0.0']);
    assert.ok(retained.message.url.startsWith(`${hub.httpUrl}/`), 'the URL names the restarted hub');
    assert.equal((await fetch(retained.message.url, { headers: { range: 'bytes=0-9' } })).status, 206);
    await agent.close();
  } finally {
    await hub.close();
  }
});
