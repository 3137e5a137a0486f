/**
 * Chaos: exactly-once delivery through crashes, with every part REAL and separate: the agent and the hub as
 * `cxr` child processes, Mosquitto from apt. 320 distinct chest DICOMs land in the inbox; the agent is killed
 * with SIGKILL 22 times at random points (seeded; the seed is printed): every other time once it has moved a
 * file, otherwise anywhere in its first seconds (loading, replaying its outbox, scoring); the broker is restarted once and the hub killed with SIGKILL once, mid-stream. At the end the
 * hub holds exactly one result per image (0 lost, 0 duplicated), the agent's outbox is empty and every file
 * was moved to processed/ (none quarantined, none left behind).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { agentFixture, perturbed, sample } from '../agent/fixture.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { type CxrService, listResults, startCxrService } from '../support/cxr-process.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const IMAGES = 320;
const KILLS = 22;
const BROKER_RESTART_AT = 7;
const HUB_KILL_AT = 13;
const SEED = Number(process.env.CXR_CHAOS_SEED ?? Date.now() % 2 ** 31);

/** Small seeded PRNG (mulberry32), so a failing run can be replayed with CXR_CHAOS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(200);
  }
}

const running: CxrService[] = [];
const folders: string[] = [];
let broker: RunningMosquitto | undefined;
after(async () => {
  for (const service of running) service.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
  await broker?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true }); // ~250 MB of images
});

it(`delivers ${IMAGES} images exactly once through ${KILLS} agent SIGKILLs, a broker restart and a hub SIGKILL`, {
  timeout: 600_000,
}, async () => {
  console.log(`chaos seed ${SEED} (replay: CXR_CHAOS_SEED=${SEED})`);
  const rand = random(SEED);
  const dir = tempDir('cxr-chaos-');
  folders.push(dir);
  broker = await startMosquitto();

  const hubPort = await freePort();
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const hubFile = join(dir, 'hub.json');
  const hubCfg = hubConfig(
    {
      dataDir: join(dir, 'hub'),
      http: { port: hubPort },
      mqtt: { broker: 'external', url: broker.url, clientId: `chaos-hub-${process.pid}` },
      logLevel: 'warn',
    },
    [{ site: 'clinic-1', agent: 'room-2' }],
  );
  writeFileSync(hubFile, JSON.stringify(hubCfg));
  const startHubProcess = () => {
    const hub = startCxrService(['hub', '--config', hubFile], { logFile: join(dir, 'hub.log') });
    running.push(hub);
    return hub;
  };
  let hub = startHubProcess();
  await until('hub up', async () => (await listResults(hubUrl, 'rad', PASSWORDS.radiologist)) !== undefined, 60_000);

  const fx = await agentFixture();
  folders.push(fx.root);
  const agentPort = await freePort();
  const agentFile = fx.writeConfig(
    fx.config(broker.url, { http: { port: agentPort }, sendPixels: false, concurrency: 2, logLevel: 'warn' }),
  );
  const startAgentProcess = () => {
    const agent = startCxrService(['agent', '--config', agentFile], { logFile: join(dir, 'agent.log') });
    running.push(agent);
    return agent;
  };

  // Distinct uncompressed 440² chest DICOMs, written then renamed into the inbox (as a modality would).
  const base = sample('dicom/fo-dicom/CR-MONO1-10-chest.dcm');
  for (let n = 1; n <= IMAGES; n++) {
    const part = join(fx.inDir, `img-${n}.dcm.part`);
    writeFileSync(part, perturbed(base, n));
    renameSync(part, join(fx.inDir, `img-${n}.dcm`));
  }
  const processedDir = join(fx.dataDir, 'processed');
  const processed = () => (existsSync(processedDir) ? readdirSync(processedDir).length : 0);

  // However fast the agent is, each life may move at most its share of what is left, so every kill lands
  // mid-stream: the time-based kill points are cut short once the share is done.
  const sleepAtMost = async (ms: number, enough: () => boolean) => {
    const end = Date.now() + ms;
    while (Date.now() < end && !enough()) await sleep(20);
  };
  for (let kill = 1; kill <= KILLS; kill++) {
    const agent = startAgentProcess();
    const before = processed();
    const share = Math.max(1, Math.floor((IMAGES - before) / (KILLS - kill + 2)));
    const shareDone = () => processed() >= before + share;
    if (kill % 2 === 0) {
      // Anywhere: while it loads its model and database, replays its outbox, or scores.
      await sleepAtMost(1000 + rand() * 5000, shareDone);
    } else {
      // Mid-work: once it has moved a file, at a random moment after.
      await until(`agent progress (kill ${kill})`, () => processed() > before || processed() === IMAGES, 60_000);
      if (kill === BROKER_RESTART_AT) await broker.restart();
      if (kill === HUB_KILL_AT) {
        hub.kill('SIGKILL');
        await hub.exited;
        await sleep(500 + rand() * 1500);
        hub = startHubProcess();
      }
      await sleepAtMost(rand() * 800, shareDone);
    }
    agent.kill('SIGKILL');
    assert.equal(await agent.exited, null, 'killed by the signal, not exited by itself');
  }
  assert.ok(processed() < IMAGES, `the kills happened mid-stream (${processed()} of ${IMAGES} moved)`);

  const agent = startAgentProcess();
  let results: Awaited<ReturnType<typeof listResults>>;
  await until(
    `all ${IMAGES} results on the hub`,
    async () => {
      results = await listResults(hubUrl, 'rad', PASSWORDS.radiologist);
      return (results?.length ?? 0) >= IMAGES;
    },
    240_000,
  );
  const health = async () =>
    (await (await fetch(`http://127.0.0.1:${agentPort}/healthz`)).json()) as Record<string, number>;
  await until(
    'agent outbox drained',
    async () => (await health()).outbox === 0 && (await health()).backlog === 0,
    60_000,
  );
  await sleep(1500); // late re-sends would show up now
  results = await listResults(hubUrl, 'rad', PASSWORDS.radiologist);

  assert.equal(results?.length, IMAGES, 'exactly one result per image on the hub');
  assert.equal(new Set(results?.map((r) => r.resultId)).size, IMAGES, 'no result twice');
  assert.equal(processed(), IMAGES, 'every file moved to processed/');
  assert.deepEqual(readdirSync(fx.inDir), [], 'nothing left in the inbox');
  assert.ok(!existsSync(join(fx.dataDir, 'quarantine')) || readdirSync(join(fx.dataDir, 'quarantine')).length === 0);
  const status = await health();
  assert.equal(status.quarantined, 0);
  agent.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.tail());
});
