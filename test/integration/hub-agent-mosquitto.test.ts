/**
 * A real agent (startAgent, tiny signed model, real sample images) and a real hub meet through a real
 * Mosquitto that enforces the shipped ACL: results reach the worklist exactly once, and the fleet shows
 * the agent online with its model and runtime, then offline after it stops.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { mosquittoPasswdLine } from '../../hub/auth/mosquitto-passwd.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { login, waitFor } from '../hub/harness.ts';
import { samplePaths } from '../hub/realistic-result.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

let broker: RunningMosquitto | undefined;
let hub: RunningHub | undefined;
let agent: RunningAgent | undefined;

after(async () => {
  await agent?.close();
  await hub?.close();
  await broker?.stop();
});

it('delivers a real agent’s results through Mosquitto with the ACL and tracks the agent on the fleet page', async () => {
  const dir = tempDir('cxr-hub-agent-');
  writeFileSync(
    join(dir, 'passwd'),
    `${mosquittoPasswdLine('cxr-hub', 'hub-pw')}\n${mosquittoPasswdLine('clinic-m/xr-7', PASSWORDS.agent)}\n`,
  );
  writeFileSync(join(dir, 'acl'), readFileSync(new URL('../../deploy/mosquitto/acl', import.meta.url)));
  broker = await startMosquitto({
    extraConfig: `allow_anonymous false\npassword_file ${dir}/passwd\nacl_file ${dir}/acl\n`,
  });
  hub = await startHub(
    hubConfig({
      mqtt: {
        broker: 'external',
        url: broker.url,
        username: 'cxr-hub',
        password: 'hub-pw',
        clientId: `ha-${process.pid}`,
      },
    }),
  );

  const model = await writeTinyModelPackage(join(dir, 'model'));
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'test.pub.pem'), model.publicKeyPem);
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  agent = await startAgent(
    parseAgentConfig(
      {
        site: 'clinic-m',
        agentId: 'xr-7',
        siteSecret: randomBytes(24).toString('hex'),
        dataDir: join(dir, 'agent'),
        watch: [{ path: inbox, policy: 'move', stableMs: 200, rescanIntervalMs: 500 }],
        model: { dir: model.dir, trustedKeysDir: join(dir, 'keys') },
        mqtt: { url: broker.url, username: 'clinic-m/xr-7', password: PASSWORDS.agent, statusIntervalMs: 500 },
        http: { port: -1 },
        logLevel: 'warn',
      },
      dir,
    ),
  );
  for (const [i, sample] of samplePaths().slice(0, 3).entries()) {
    copyFileSync(sample, join(dir, `s${i}.part`));
    renameSync(join(dir, `s${i}.part`), join(inbox, `s${i}.png`));
  }

  const rad = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
  const items = await waitFor(async () => {
    const page = (await (await rad.get('/api/worklist?status=all&site=clinic-m')).json()) as {
      items: { resultId: string }[];
    };
    return page.items.length >= 3 && agent!.status().outbox === 0 ? page.items : undefined;
  }, 60_000);
  assert.equal(new Set(items.map((i) => i.resultId)).size, 3);
  assert.equal(hub.hub.counters.stored, 3);

  type Fleet = { agents: { agent: string; online: boolean; modelVersion: string | null; runtime: string | null }[] };
  const online = await waitFor(async () => {
    const fleet = (await (await rad.get('/api/fleet')).json()) as Fleet;
    return fleet.agents.find((a) => a.agent === 'xr-7' && a.online && a.runtime !== null);
  });
  assert.equal(online.modelVersion, '0.0.1');
  await agent.close();
  agent = undefined;
  await waitFor(async () => {
    const fleet = (await (await rad.get('/api/fleet')).json()) as Fleet;
    return fleet.agents.find((a) => a.agent === 'xr-7' && !a.online);
  });
});
