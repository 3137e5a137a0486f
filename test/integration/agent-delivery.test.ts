/**
 * Delivery end to end with the agent as a REAL child process (`node bin/cxr.mjs agent --config ...`), a REAL
 * Mosquitto and the ack-ing test hub: the broker is stopped while images arrive and restarted; the agent is
 * killed with SIGKILL mid-stream and restarted. The subscriber ends with exactly one result per distinct chest
 * image and none lost, and nothing published carries a PHI value from the test DICOMs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readImage } from '../../models/image/read-image.ts';
import {
  type AgentFixture,
  agentFixture,
  perturbed,
  phiValues,
  REPO_ROOT,
  SAMPLES,
  sample,
  samplesUnder,
} from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

/** A sample chest film shown as a negative (its pixels tagged MONOCHROME1): the model's gate refuses it. */
const SHOWN_INVERTED = 'dicom/torchxrayvision/Fake_MONOHR1.dcm';

function spawnAgent(configPath: string): ChildProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/cxr.mjs'), 'agent', '--config', configPath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CXR_AGENT_LOG_LEVEL: 'error' },
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[agent] ${chunk}`));
  return child;
}

async function health(port: number): Promise<Record<string, number | string | boolean> | undefined> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, number>;
  } catch {
    return undefined; // not listening (yet / any more)
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('agent delivery (child process, broker outage, SIGKILL)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let fx: AgentFixture;
  let agent: ChildProcess | undefined;
  let httpPort: number;
  let configPath: string;

  before(async () => {
    broker = await startMosquitto();
    hub = await startAckResponder(broker.url);
    fx = await agentFixture();
    httpPort = await freePort();
    configPath = fx.writeConfig(fx.config(broker.url, { http: { port: httpPort } }));
  });
  after(async () => {
    if (agent) {
      agent.kill('SIGKILL');
      await exited(agent);
    }
    await hub?.close();
    await broker?.stop();
  });

  it('delivers exactly one result per distinct chest image through a broker outage and a SIGKILL', async () => {
    agent = spawnAgent(configPath);
    await hub.waitFor(() => hub.statuses.some((s) => s.online), 30_000, 'agent online');

    // Phase 1: the broker goes away; images keep arriving and are scored into the outbox.
    await broker.stop();
    const pngs = samplesUnder('nih', /\.png$/).concat(samplesUnder('nih-fullres', /\.png$/));
    const dicoms = samplesUnder('dicom', /\.dcm$/);
    for (const rel of [...pngs, ...dicoms]) copyFileSync(join(SAMPLES, rel), join(fx.inDir, rel.replace(/\//g, '_')));
    let h: Awaited<ReturnType<typeof health>>;
    // Bounds only: each film is also searched for burned-in text (pixels.policy preview, the default), ~1 s of
    // CPU per film on a loaded 2-core machine; the loops end as soon as the work is done.
    const deadline = Date.now() + 240_000;
    do {
      await new Promise((r) => setTimeout(r, 200));
      h = await health(httpPort);
    } while (Date.now() < deadline && (h?.backlog !== 0 || Number(h?.outbox) < pngs.length));
    assert.equal(h?.broker, 'disconnected');
    assert.ok(Number(h?.outbox) >= pngs.length, `results wait in the outbox while offline (${h?.outbox})`);
    assert.equal(hub.results.size, 0, 'nothing reached the hub while the broker was down');
    await broker.restart();

    // Phase 2: a stream of distinct 1024² DICOMs; SIGKILL the agent in the middle of it, then restart.
    const base = sample('dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');
    const copies = 24;
    for (let n = 1; n <= copies; n++) writeFileSync(join(fx.inDir, `stream-${n}.dcm`), perturbed(base, n));
    const before = hub.results.size;
    await hub.waitFor(() => hub.results.size >= before + 4, 120_000, 'some of the stream scored');
    agent.kill('SIGKILL');
    await exited(agent);
    const atKill = hub.results.size;
    agent = spawnAgent(configPath);

    // Expected: every sample DICOM/PNG the reader calls a chest image, plus the distinct copies; but for the chest
    // film shown as a negative (its pixels tagged MONOCHROME1), which the model's gate refuses (CXR_ERR_FILM_ORIENTATION).
    let expected = copies;
    for (const rel of [...pngs, ...dicoms]) {
      if (rel.endsWith(SHOWN_INVERTED)) continue;
      if ((await readImage(sample(rel))).isChest) expected++;
    }
    await hub.waitFor(() => hub.results.size >= expected, 240_000, `${expected} results (had ${atKill} at the kill)`);
    await hub.waitFor(async () => (await health(httpPort))?.outbox === 0, 10_000, 'outbox drained');
    await new Promise((r) => setTimeout(r, 1000));

    assert.equal(hub.results.size, expected, 'exactly one result per distinct chest image');
    assert.equal(hub.invalid, 0);
    const imageKeys = new Set([...hub.results.values()].map((r) => r.keys.image));
    assert.equal(imageKeys.size, expected, 'no image scored twice');
    assert.ok(atKill < expected, 'the kill happened mid-stream');
  });

  it('publishes no PHI value from the test DICOMs, in the JSON or inside the images', () => {
    const dicoms = samplesUnder('dicom', /\.dcm$/).map((rel) => sample(rel));
    const phi = phiValues(dicoms);
    assert.ok(phi.length >= 10, `found PHI values to look for (${phi.length})`);
    assert.ok(hub.raw.length > 0);
    for (const raw of hub.raw) {
      const message = JSON.parse(raw) as { preview?: { base64: string }; heatmap?: { base64: string } };
      const blobs = [message.preview, message.heatmap].filter((b) => b !== undefined);
      const text = JSON.stringify({ ...message, preview: undefined, heatmap: undefined });
      const pixels = blobs.map((b) => Buffer.from(b.base64, 'base64').toString('latin1')).join('');
      for (const value of phi) {
        assert.ok(!text.includes(value), `PHI value ${value} in a published message`);
        assert.ok(!pixels.includes(value), `PHI value ${value} inside a published image`);
      }
    }
  });

  it('leaves a retained offline status as last will after SIGKILL, and online after restart', async () => {
    const last = hub.statuses.at(-1);
    assert.equal(last?.online, true);
    assert.ok(
      hub.statuses.some((s) => !s.online),
      'the will (offline) was published when the agent was killed',
    );
  });

  it('shuts down cleanly on SIGTERM: exit 0 and a retained offline status', async () => {
    assert.ok(agent);
    const running = agent;
    const code = new Promise<number | null>((resolve) => running.once('exit', (c) => resolve(c)));
    const statusesBefore = hub.statuses.length;
    running.kill('SIGTERM');
    assert.equal(await code, 0);
    agent = undefined;
    await hub.waitFor(
      () => hub.statuses.length > statusesBefore && hub.statuses.at(-1)?.online === false,
      15_000,
      'offline status',
    );
    assert.equal(await health(httpPort), undefined, 'HTTP endpoint closed');
  });
});
