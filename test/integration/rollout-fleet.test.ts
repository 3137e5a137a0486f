/**
 * Rollout end to end with every part real: a hub (registry + rollout runner) on a REAL Mosquitto with the
 * shipped ACL, and three REAL agent processes (`cxr agent`) that pin only the fleet's publisher key.
 *
 *   1. a package whose stored bytes got a flipped byte, and one signed by a key the hub trusts but the
 *      agents do not: the canary refuses each with a code, the wave aborts itself, nobody else is sent it,
 *      every agent stays on 1.0.0;
 *   2. a good version to a fleet with one agent offline: the canary switches first, then the rest; the
 *      offline agent converges when it comes back; results before the switch carry 1.0.0, after it 2.0.0;
 *   3. rollback: every agent returns to 1.0.0 (from its disk) and scores with it again.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mosquittoPasswdLine } from '../../hub/auth/mosquitto-passwd.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { parseHubConfig } from '../../hub/config.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import { packTar } from '../../models/package/tar.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { sha256Hex } from '../../models/package/write-package.ts';
import { REPO_ROOT } from '../agent/fixture.ts';
import { PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { type HttpSession, login, waitFor } from '../hub/harness.ts';
import { samplePaths } from '../hub/realistic-result.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const PUBLISH_TOKEN = 'fleet-publish-token-0123456789';
const AGENTS = [
  { site: 'clinic-a', agent: 'xr-1' },
  { site: 'clinic-a', agent: 'xr-2' },
  { site: 'clinic-b', agent: 'xr-3' },
];
type Address = (typeof AGENTS)[number];
const key = (a: Address) => `${a.site}/${a.agent}`;

interface FleetAgent {
  site: string;
  agent: string;
  online: boolean;
  modelVersion: string | null;
}
interface RolloutAgentView {
  site: string;
  agent: string;
  wave: number;
  shown: string;
  code: string | null;
  updatedAt: string;
}
interface RolloutView {
  id: string;
  status: string;
  wavesIssued: number;
  agents: RolloutAgentView[];
}
interface WorklistItem {
  resultId: string;
  site: string;
  agent: string;
  modelVersion: string;
}

const TIMEOUT_MS = 90_000;

describe('rollout to a fleet of three real agents through Mosquitto', () => {
  const dir = tempDir('cxr-fleet-');
  const fleetKeys = generateKeyPair();
  const strangerKeys = generateKeyPair();
  const processes = new Map<string, ChildProcess>();
  const configs = new Map<string, string>();
  const inboxes = new Map<string, string>();
  let broker: RunningMosquitto;
  let hub: RunningHub;
  let admin: HttpSession;
  let sampleIndex = 0;

  const tars = new Map<string, Buffer>();
  async function makePackage(version: string, seed: number, keys = fleetKeys): Promise<string> {
    const pkgDir = join(dir, 'packages', version);
    mkdirSync(pkgDir, { recursive: true });
    await writeTinyModelPackage(pkgDir, { version, seed, keyPair: keys });
    tars.set(version, await packTar(pkgDir));
    return pkgDir;
  }

  async function publish(version: string): Promise<void> {
    const response = await fetch(`${hub.httpUrl}/api/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PUBLISH_TOKEN}`, 'content-type': 'application/x-tar' },
      body: new Uint8Array(tars.get(version)!),
    });
    assert.ok([200, 201].includes(response.status), `publish ${version}: ${response.status} ${await response.text()}`);
  }

  function spawnAgent(address: Address): void {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/cxr.mjs'), 'agent', '--config', configs.get(key(address))!],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, CXR_AGENT_LOG_LEVEL: 'error' },
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${address.agent}] ${chunk}`));
    processes.set(key(address), child);
  }

  async function stopAgent(address: Address): Promise<void> {
    const child = processes.get(key(address));
    processes.delete(key(address));
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  const fleet = async () => ((await (await admin.get('/api/fleet')).json()) as { agents: FleetAgent[] }).agents;
  const rollout = async (id: string) => (await (await admin.get(`/api/rollouts/${id}`)).json()) as RolloutView;
  const worklist = async () =>
    ((await (await admin.get('/api/worklist?status=all&limit=100')).json()) as { items: WorklistItem[] }).items;

  /** Waits until the rollout satisfies `done`; a timeout reports the last view seen. */
  async function rolloutUntil(id: string, done: (r: RolloutView) => boolean): Promise<RolloutView> {
    let last: RolloutView | undefined;
    try {
      return await waitFor(async () => {
        last = await rollout(id);
        return done(last) ? last : undefined;
      }, TIMEOUT_MS);
    } catch (error) {
      throw new Error(`rollout ${id} never got there; last seen: ${JSON.stringify(last)}`, { cause: error });
    }
  }

  async function startRollout(body: Record<string, unknown>): Promise<string> {
    const response = await admin.post('/api/rollouts', body);
    const text = await response.text();
    assert.equal(response.status, 201, text);
    return (JSON.parse(text) as RolloutView).id;
  }

  async function fleetOn(version: string, agents: readonly Address[] = AGENTS): Promise<void> {
    await waitFor(async () => {
      const rows = await fleet();
      return agents.every((a) => rows.some((r) => r.agent === a.agent && r.online && r.modelVersion === version));
    }, TIMEOUT_MS);
  }

  /** Drops one new sample into the agent's inbox and waits until its result is on the worklist. */
  async function scoreOne(address: Address): Promise<WorklistItem> {
    const before = new Set((await worklist()).map((i) => i.resultId));
    const samples = samplePaths();
    const source = samples[sampleIndex++ % samples.length]!;
    const inbox = inboxes.get(key(address))!;
    const name = `img-${sampleIndex}.png`;
    copyFileSync(source, join(inbox, `${name}.part`));
    renameSync(join(inbox, `${name}.part`), join(inbox, name));
    return waitFor(async () => {
      const items = await worklist();
      return items.find((i) => !before.has(i.resultId) && i.agent === address.agent);
    }, TIMEOUT_MS);
  }

  before(async () => {
    const trusted = join(dir, 'hub-trusted');
    const pinned = join(dir, 'agent-trusted');
    mkdirSync(trusted);
    mkdirSync(pinned);
    writeFileSync(join(trusted, 'fleet.pub.pem'), fleetKeys.publicKeyPem);
    writeFileSync(join(trusted, 'stranger.pub.pem'), strangerKeys.publicKeyPem);
    writeFileSync(join(pinned, 'fleet.pub.pem'), fleetKeys.publicKeyPem);

    writeFileSync(
      join(dir, 'passwd'),
      [
        mosquittoPasswdLine('cxr-hub', 'hub-pw'),
        ...AGENTS.map((a) => mosquittoPasswdLine(key(a), PASSWORDS.agent)),
      ].join('\n'),
    );
    writeFileSync(join(dir, 'acl'), readFileSync(new URL('../../deploy/mosquitto/acl', import.meta.url)));
    broker = await startMosquitto({
      extraConfig: `allow_anonymous false\npassword_file ${dir}/passwd\nacl_file ${dir}/acl\n`,
    });
    hub = await startHub(
      parseHubConfig({
        dataDir: join(dir, 'hub'),
        http: { port: 0 },
        mqtt: {
          broker: 'external',
          url: broker.url,
          username: 'cxr-hub',
          password: 'hub-pw',
          clientId: `fleet-hub-${process.pid}`,
        },
        users: [{ username: 'boss', role: 'admin', passwordHash: hashPassword(PASSWORDS.admin) }],
        publishers: [{ name: 'ci', tokenHash: hashPassword(PUBLISH_TOKEN) }],
        models: { trustedKeysDir: trusted },
        rollout: { evaluateIntervalS: 0.2 },
        logLevel: 'silent',
      }),
    );
    admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);

    const v1 = await makePackage('1.0.0', 1);
    await makePackage('2.0.0', 2);
    await makePackage('3.0.0', 3);
    await makePackage('4.0.0', 4, strangerKeys);
    for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) await publish(version);

    for (const address of AGENTS) {
      const root = join(dir, address.agent);
      const inbox = join(root, 'inbox');
      mkdirSync(inbox, { recursive: true });
      inboxes.set(key(address), inbox);
      const config = {
        site: address.site,
        agentId: address.agent,
        siteSecret: `fleet-secret-${address.site}-0123456789`,
        dataDir: join(root, 'data'),
        watch: [{ path: inbox, stableMs: 200, rescanIntervalMs: 500 }],
        model: { dir: v1, trustedKeysDir: pinned, runtime: 'auto' },
        mqtt: { url: broker.url, username: key(address), password: PASSWORDS.agent, statusIntervalMs: 500 },
        http: { port: -1 },
        disk: { minFreeBytes: 0, minFreePercent: 0 },
        rollout: { probationImages: 5 },
        logLevel: 'error',
      };
      const path = join(root, 'agent.json');
      writeFileSync(path, JSON.stringify(config, null, 2));
      configs.set(key(address), path);
      spawnAgent(address);
    }
    await fleetOn('1.0.0');
  });

  after(async () => {
    for (const address of AGENTS) await stopAgent(address);
    await hub?.close();
    await broker?.stop();
  });

  it('scores with 1.0.0 before any rollout', async () => {
    for (const address of AGENTS) assert.equal((await scoreOne(address)).modelVersion, '1.0.0');
  });

  it('a package with a flipped byte is refused by the canary with a code, the wave aborts, all stay on 1.0.0', async () => {
    // The registry verified the upload; flip one byte of the stored file (disk rot, tampering at rest).
    const stored = join(dir, 'hub', 'models', `${sha256Hex(tars.get('3.0.0')!)}.tar`);
    const bytes = readFileSync(stored);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(stored, bytes);

    const id = await startRollout({
      version: '3.0.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
    });
    const done = await rolloutUntil(id, (r) => r.status === 'aborted');
    const failed = done.agents.filter((a) => a.code !== null);
    assert.equal(failed.length, 1, 'only the canary got the package');
    assert.equal(failed[0]!.wave, 0);
    assert.equal(failed[0]!.code, 'CXR_ERR_AGENT_MODEL_SHA256_MISMATCH');
    assert.equal(done.wavesIssued, 1, 'the second wave was never issued');
    await fleetOn('1.0.0');
  });

  it('a package signed by a key the agents do not pin is refused with CXR_ERR_PACKAGE_UNTRUSTED_KEY', async () => {
    const id = await startRollout({
      version: '4.0.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
    });
    const done = await rolloutUntil(id, (r) => r.status === 'aborted');
    assert.deepEqual(
      done.agents.filter((a) => a.code !== null).map((a) => a.code),
      ['CXR_ERR_PACKAGE_UNTRUSTED_KEY'],
    );
    assert.equal(done.wavesIssued, 1);
    await fleetOn('1.0.0');
    assert.equal((await scoreOne(AGENTS[1]!)).modelVersion, '1.0.0');
  });

  let goodRollout = '';

  it('canary first, then the rest; an agent offline during the rollout converges when it returns', async () => {
    const offline = AGENTS[2]!;
    await stopAgent(offline);
    await waitFor(async () => (await fleet()).find((a) => a.agent === offline.agent && !a.online), TIMEOUT_MS);

    goodRollout = await startRollout({
      version: '2.0.0',
      target: { all: true },
      waves: [{ agents: 1 }, { percent: 100 }],
      waitS: 1,
    });
    const firstSeen = new Map<string, number>();
    const activeAt = new Map<string, number>();
    const completed = await waitFor(async () => {
      const r = await rollout(goodRollout);
      for (const a of r.agents) {
        if (!firstSeen.has(a.agent)) firstSeen.set(a.agent, Date.now());
        if (a.shown === 'active' && !activeAt.has(a.agent)) activeAt.set(a.agent, Date.now());
      }
      return r.status === 'completed' ? r : undefined;
    }, TIMEOUT_MS);
    const canary = completed.agents.find((a) => a.wave === 0)!;
    assert.equal(canary.agent, 'xr-1', 'the canary is the first online agent');
    assert.ok(activeAt.has('xr-1') && firstSeen.has('xr-2'));
    assert.ok(firstSeen.get('xr-2')! >= activeAt.get('xr-1')!, 'wave 2 was issued only after the canary switched');
    assert.equal(completed.agents.find((a) => a.agent === 'xr-3')?.shown, 'offline');
    await fleetOn('2.0.0', AGENTS.slice(0, 2));
    for (const address of AGENTS.slice(0, 2)) assert.equal((await scoreOne(address)).modelVersion, '2.0.0');

    spawnAgent(offline);
    await fleetOn('2.0.0');
    await waitFor(async () => {
      const r = await rollout(goodRollout);
      return r.agents.find((a) => a.agent === 'xr-3' && a.shown === 'active');
    }, TIMEOUT_MS);
    assert.equal((await scoreOne(offline)).modelVersion, '2.0.0');
  });

  it('rollback returns every agent of the rollout to 1.0.0, and results carry it again', async () => {
    assert.ok(goodRollout, 'the previous test started a rollout');
    const response = await admin.post(`/api/rollouts/${goodRollout}/rollback`, {});
    assert.equal(response.status, 200, await response.text());
    await rolloutUntil(goodRollout, (r) => r.status === 'rolled-back' && r.agents.every((a) => a.shown === 'reverted'));
    await fleetOn('1.0.0');
    for (const address of AGENTS) assert.equal((await scoreOne(address)).modelVersion, '1.0.0');

    const items = await worklist();
    const versions = new Set(items.map((i) => `${i.agent}:${i.modelVersion}`));
    for (const address of AGENTS) {
      assert.ok(versions.has(`${address.agent}:1.0.0`) && versions.has(`${address.agent}:2.0.0`));
    }
  });
});
