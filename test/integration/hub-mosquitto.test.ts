/**
 * A real hub behind an external real Mosquitto configured with the shipped ACL (deploy/mosquitto/acl)
 * and a password file written by the hub's own `$7$` generator: ingest, ack after commit, duplicates,
 * and an agent publishing or reading under another agent's topics is refused by the broker.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mosquittoPasswdLine } from '../../hub/auth/mosquitto-passwd.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { connectAgent, login, type TestAgent, waitFor } from '../hub/harness.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };
const HUB_PASSWORD = 'hub-broker-secret';

describe('hub with an external Mosquitto', () => {
  let broker: RunningMosquitto;
  let hub: RunningHub;
  let agent: TestAgent;

  before(async () => {
    const dir = tempDir('cxr-mosq-acl-');
    const passwd = join(dir, 'passwd');
    const acl = join(dir, 'acl');
    writeFileSync(
      passwd,
      [
        mosquittoPasswdLine('cxr-hub', HUB_PASSWORD),
        mosquittoPasswdLine('clinic-a/xr-1', PASSWORDS.agent),
        mosquittoPasswdLine('clinic-b/xr-9', PASSWORDS.agent),
        '',
      ].join('\n'),
    );
    writeFileSync(acl, readFileSync(new URL('../../deploy/mosquitto/acl', import.meta.url)));
    broker = await startMosquitto({
      extraConfig: `allow_anonymous false\npassword_file ${passwd}\nacl_file ${acl}\n`,
    });
    hub = await startHub(
      hubConfig({ mqtt: { broker: 'external', url: broker.url, username: 'cxr-hub', password: HUB_PASSWORD } }),
    );
    agent = await connectAgent(broker.url, A, PASSWORDS.agent);
  });
  after(async () => {
    await agent?.close();
    await hub?.close();
    await broker?.stop();
  });

  it('stores a result once, acks after commit, and acks a re-send as duplicate', async () => {
    const message = await resultMessage();
    await agent.publish('result', message);
    assert.equal((await agent.waitForAck(message.resultId)).status, 'stored');
    assert.ok(await hub.hub.results.get(message.resultId, Date.now()));
    await agent.publish('result', message);
    await waitFor(() => (agent.acks.filter((a) => a.resultId === message.resultId).length === 2 ? true : undefined));
    assert.equal(agent.acks.filter((a) => a.resultId === message.resultId).at(-1)?.status, 'duplicate');
    const rad = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
    const page = (await (await rad.get('/api/worklist')).json()) as { items: { resultId: string }[] };
    assert.equal(page.items.filter((i) => i.resultId === message.resultId).length, 1);
  });

  it('counts and rejects a bad message', async () => {
    const message = { ...(await resultMessage()), v: 2 };
    await agent.publish('result', message);
    assert.equal((await agent.waitForAck(message.resultId)).status, 'rejected');
    assert.ok(hub.hub.counters.rejected >= 1);
  });

  it("drops an agent's publish under another agent's topic and never delivers it another agent's acks", async () => {
    const spy = await connectAgent(broker.url, B, PASSWORDS.agent);
    // Mosquitto grants the subscription but its ACL filters every delivery on it.
    await spy.client.subscribeAsync(topicFor(A, 'ack'), { qos: 1 });
    const next = await resultMessage();
    await agent.publish('result', next);
    await agent.waitForAck(next.resultId);

    const forger = await connectAgent(broker.url, B, PASSWORDS.agent);
    const forged = await resultMessage(A);
    await forger.publish('result', forged, A);
    // Mosquitto 2.0 drops the publish (and may close the forger's connection); B's own result still works.
    const own = await resultMessage(B);
    await spy.publish('result', own);
    assert.equal((await spy.waitForAck(own.resultId)).status, 'stored');
    assert.equal(
      await hub.hub.results.get(forged.resultId, Date.now()),
      undefined,
      'the forged result never reached the hub',
    );
    assert.equal(
      spy.acks.some((a) => a.resultId === next.resultId),
      false,
      "B never received A's ack",
    );
    await forger.close();
    await spy.close();
  });

  it('refuses a login with a wrong password', async () => {
    await assert.rejects(connectAgent(broker.url, A, 'wrong-password'));
  });
});
