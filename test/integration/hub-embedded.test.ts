/**
 * A real hub with its embedded aedes broker, real MQTT agents and real HTTP: ingest idempotency, ack
 * after commit, bad messages rejected and counted, broker ACL, authentication and roles, review + audit,
 * fleet and live events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage, statusMessage } from '../hub/fixtures.ts';
import { connectAgent, login, type TestAgent, waitFor } from '../hub/harness.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };

describe('hub with the embedded broker', () => {
  let hub: RunningHub;
  let agent: TestAgent;

  before(async () => {
    hub = await startHub(hubConfig({}, [A, B]));
    agent = await connectAgent(hub.mqttUrl, A, PASSWORDS.agent);
  });
  after(async () => {
    await agent.close();
    await hub.close();
  });

  it('stores a result, acks it only after the row is committed, and acks a re-send as duplicate', async () => {
    const message = await resultMessage();
    let rowAtAck: unknown;
    agent.client.on('message', (_t, payload) => {
      if (JSON.parse(payload.toString()).resultId === message.resultId && rowAtAck === undefined) {
        rowAtAck = hub.hub.results.get(message.resultId, Date.now());
      }
    });
    await agent.publish('result', message);
    assert.equal((await agent.waitForAck(message.resultId)).status, 'stored');
    assert.ok(await rowAtAck, 'the row was readable when the ack arrived');
    await agent.publish('result', message);
    await waitFor(() => (agent.acks.filter((a) => a.resultId === message.resultId).length === 2 ? true : undefined));
    assert.deepEqual(
      agent.acks.filter((a) => a.resultId === message.resultId).map((a) => a.status),
      ['stored', 'duplicate'],
    );
    const rows = await hub.hub.db.kysely
      .selectFrom('results')
      .select('id')
      .where('result_id', '=', message.resultId)
      .execute();
    assert.equal(rows.length, 1);
  });

  it('rejects and counts a schema-invalid result, acking it rejected with the code', async () => {
    const before = hub.hub.counters.rejected;
    const message = { ...(await resultMessage()), probabilities: { Effusion: 7 } };
    await agent.publish('result', message);
    const ack = await agent.waitForAck(message.resultId);
    assert.equal(ack.status, 'rejected');
    assert.equal(ack.reason, 'CXR_ERR_PROTOCOL_INVALID');
    assert.equal(await hub.hub.results.get(message.resultId, Date.now()), undefined);
    await agent.client.publishAsync(topicFor(A, 'result'), 'not json', { qos: 1 });
    await waitFor(() => (hub.hub.counters.rejected >= before + 2 ? true : undefined));
  });

  it('rejects a result whose body names another agent than its topic', async () => {
    const message = await resultMessage({ site: 'clinic-b', agent: 'xr-9' });
    await agent.publish('result', message, A);
    const ack = await agent.waitForAck(message.resultId);
    assert.equal(ack.status, 'rejected');
    assert.equal(ack.reason, 'CXR_ERR_HUB_TOPIC_MISMATCH');
  });

  it("refuses an agent publishing under another agent's topic and reading its acks", async () => {
    const intruder = await connectAgent(hub.mqttUrl, B, PASSWORDS.agent);
    // A refused subscription comes back as SUBACK 0x80, which mqtt.js reports as an error.
    await assert.rejects(intruder.client.subscribeAsync(topicFor(A, 'ack'), { qos: 1 }), /Subscribe error/);
    await assert.rejects(intruder.client.subscribeAsync('cxr/v1/#', { qos: 1 }), /Subscribe error/);
    const forged = await resultMessage(A);
    const closed = new Promise<void>((resolve) => intruder.client.once('close', () => resolve()));
    intruder.client.publish(topicFor(A, 'result'), JSON.stringify(forged), { qos: 1 });
    await closed; // aedes closes the connection of a client whose publish is not authorised [MQTT-3.3.5-2]
    await intruder.close();
    assert.ok(hub.broker!.refused.publish >= 1);
    assert.ok(hub.broker!.refused.subscribe >= 2);
    assert.equal(await hub.hub.results.get(forged.resultId, Date.now()), undefined);
  });

  it('refuses an MQTT login with a wrong password', async () => {
    await assert.rejects(connectAgent(hub.mqttUrl, A, 'wrong-password'));
  });

  it('refuses unauthenticated API requests with 401 and keeps admin routes from radiologists', async () => {
    for (const path of ['/api/worklist', '/api/fleet', '/api/stats', '/api/audit', '/api/events']) {
      const response = await fetch(`${hub.httpUrl}${path}`);
      assert.equal(response.status, 401, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'CXR_ERR_HUB_UNAUTHENTICATED');
    }
    const bad = await fetch(`${hub.httpUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'rad', password: 'nope' }),
    });
    assert.equal(bad.status, 401);
    const rad = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
    assert.equal((await rad.get('/api/worklist')).status, 200);
    assert.equal((await rad.get('/api/audit')).status, 403);
    const admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
    assert.equal((await admin.get('/api/audit')).status, 200);
    const openapi = (await (await fetch(`${hub.httpUrl}/api/openapi.json`)).json()) as { paths: object };
    assert.ok('/api/worklist' in openapi.paths);
  });

  it('serves the worklist in triage order, the study and its preview, and records a signed read in the audit log', async () => {
    const plain = await resultMessage({
      flags: [],
      probabilities: { Atelectasis: 0.1, Effusion: 0.2, Pneumonia: 0.1 },
    });
    const abnormal = await resultMessage({ flags: ['Effusion', 'Pneumonia'] });
    await agent.publish('result', plain);
    await agent.publish('result', abnormal);
    await agent.waitForAck(abnormal.resultId);
    const rad = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
    const page = (await (await rad.get('/api/worklist?limit=200')).json()) as {
      items: { resultId: string; tier: string }[];
    };
    const ids = page.items.map((i) => i.resultId);
    assert.ok(ids.indexOf(abnormal.resultId) < ids.indexOf(plain.resultId), 'abnormal before likely normal');

    const detail = (await (await rad.get(`/api/studies/${abnormal.resultId}`)).json()) as Record<string, unknown>;
    assert.equal(detail.modelVersion, '1.0.0');
    assert.equal(detail.tier, 'abnormal');
    assert.equal('keys' in detail || 'patientKey' in detail, false, 'no patient keys leave the hub');
    const preview = await rad.get(`/api/studies/${abnormal.resultId}/preview`);
    assert.equal(preview.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...new Uint8Array(await preview.arrayBuffer()).slice(0, 2)], [0xff, 0xd8]);

    const read = {
      decisions: { Atelectasis: 'absent', Effusion: 'present', Pneumonia: 'absent' },
      impression: 'Effusion confirmed; no consolidation.',
      basedOn: 0,
    };
    assert.equal((await rad.post(`/api/studies/${abnormal.resultId}/reads`, read, { csrf: null })).status, 403);
    const stored = await rad.post(`/api/studies/${abnormal.resultId}/reads`, read);
    assert.equal(stored.status, 201);
    assert.equal(((await stored.json()) as { version: number }).version, 1);

    const admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
    const audit = (await (await admin.get(`/api/audit?target=${abnormal.resultId}`)).json()) as {
      entries: {
        actor: string;
        action: string;
        source: string | null;
        before: { status: string };
        after: { status: string };
      }[];
    };
    assert.equal(audit.entries[0]?.action, 'read.sign');
    assert.equal(audit.entries[0]?.actor, 'rad');
    assert.equal(audit.entries[0]?.source, '127.0.0.1');
    assert.equal(audit.entries[0]?.before.status, 'unread');
    assert.equal(audit.entries[0]?.after.status, 'reviewed');
    const { kysely } = hub.hub.db;
    await assert.rejects(kysely.updateTable('audit_log').set({ actor: 'someone' }).execute(), /append-only/);
    await assert.rejects(kysely.deleteFrom('audit_log').execute(), /append-only/);

    const stats = (await (await rad.get('/api/stats')).json()) as {
      agreement: { class: string; agree: number; reads: number }[];
    };
    const pneumonia = stats.agreement.find((a) => a.class === 'Pneumonia');
    assert.equal(pneumonia?.reads, 1);
    assert.equal(pneumonia?.agree, 0, 'the AI called Pneumonia, the reader said absent');
  });

  it('shows agents on the fleet page from their status and streams new results as server-sent events', async () => {
    await agent.publish('status', statusMessage(A.site, A.agent, { backlog: 5 }));
    const rad = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
    const fleet = await waitFor(async () => {
      const body = (await (await rad.get('/api/fleet')).json()) as { agents: { agent: string; backlog: number }[] };
      return body.agents.find((a) => a.agent === A.agent && a.backlog === 5);
    });
    assert.equal(fleet.backlog, 5);

    const controller = new AbortController();
    const stream = await fetch(`${hub.httpUrl}/api/events`, {
      headers: { cookie: rad.cookie },
      signal: controller.signal,
    });
    assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = stream.body!.getReader();
    const message = await resultMessage();
    await agent.publish('result', message);
    let text = '';
    while (!text.includes(message.resultId)) {
      const chunk = await reader.read();
      assert.equal(chunk.done, false);
      text += new TextDecoder().decode(chunk.value);
    }
    assert.match(text, /event: result\n/);
    controller.abort();
  });
});
