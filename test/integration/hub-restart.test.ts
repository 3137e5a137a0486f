/**
 * The hub restarts behind a real Mosquitto: results published while it is down wait in its persistent
 * session and are stored and acked when it is back; the database survives, so a re-send is a duplicate.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { mosquittoPasswdLine } from '../../hub/auth/mosquitto-passwd.ts';
import { startHub } from '../../hub/main.ts';
import { hubConfig, PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { connectAgent, type TestAgent } from '../hub/harness.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
let broker: RunningMosquitto | undefined;
let agent: TestAgent | undefined;

after(async () => {
  await agent?.close();
  await broker?.stop();
});

it('stores and acks results that were published while the hub was down, and remembers earlier ones', async () => {
  const dir = tempDir('cxr-hub-restart-');
  writeFileSync(
    join(dir, 'passwd'),
    `${mosquittoPasswdLine('cxr-hub', 'hub-pw')}\n${mosquittoPasswdLine('clinic-a/xr-1', PASSWORDS.agent)}\n`,
  );
  writeFileSync(join(dir, 'acl'), readFileSync(new URL('../../deploy/mosquitto/acl', import.meta.url)));
  broker = await startMosquitto({
    extraConfig: `allow_anonymous false\npassword_file ${dir}/passwd\nacl_file ${dir}/acl\n`,
  });
  const config = hubConfig({
    dataDir: join(dir, 'hub'),
    mqtt: {
      broker: 'external',
      url: broker.url,
      username: 'cxr-hub',
      password: 'hub-pw',
      clientId: `restart-${process.pid}`,
    },
  });

  let hub = await startHub(config);
  agent = await connectAgent(broker.url, A, PASSWORDS.agent);
  const first = await resultMessage();
  await agent.publish('result', first);
  assert.equal((await agent.waitForAck(first.resultId)).status, 'stored');
  await hub.close();

  const whileDown = await resultMessage();
  await agent.publish('result', whileDown);
  hub = await startHub(config);
  assert.equal((await agent.waitForAck(whileDown.resultId)).status, 'stored');
  await agent.publish('result', first);
  await agent.publish('result', whileDown);
  const deadline = Date.now() + 10_000;
  while (agent.acks.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(
    agent.acks.map((a) => a.status),
    ['stored', 'stored', 'duplicate', 'duplicate'],
  );
  assert.equal((await hub.hub.db.kysely.selectFrom('results').select('id').execute()).length, 2);
  await hub.close();
});
