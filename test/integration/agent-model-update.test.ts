/**
 * Agent model take-up end to end (docs/rollout.md "Agent"), in-process, with a REAL Mosquitto, the ack-ing
 * test hub, a rollout double that publishes retained `model/desired` and records `model/state`, a real
 * node:http package server with Range support and real signed tiny model packages (`.tar` from packTar):
 * download (with a cut transfer resumed by Range) → verify → self-test → switch between two images, restart,
 * rollback from disk, refusals with codes, shadow mode, start-up rollback and probation rollback.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import { packTar } from '../../models/package/tar.ts';
import type { ModelDesired, ResultMessage } from '../../protocol/messages.ts';
import { agentFixture, SAMPLES, samplesUnder } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';
import { type PackageServer, startPackageServer } from '../support/package-server.ts';
import { type RolloutDouble, startRolloutDouble } from '../support/rollout-double.ts';
import { type TinyModelOptions, writeTinyModelPackage } from '../support/tiny-model.ts';

const quiet = { logger: pino({ level: 'silent' }) };
const PNGS = samplesUnder('nih/images', /\.png$/i);
const SITE = 'clinic-1';
const keys = generateKeyPair();
const WAIT_MS = 40_000;

interface Pkg {
  version: string;
  dir: string;
  bytes: Buffer;
  sha256: string;
}

async function pkg(version: string, options: TinyModelOptions & { alter?: (dir: string) => void } = {}): Promise<Pkg> {
  const dir = join(await mkdtemp(join(tmpdir(), 'cxr-update-pkg-')), version);
  await writeTinyModelPackage(dir, { version, keyPair: keys, ...options });
  options.alter?.(dir);
  const bytes = await packTar(dir);
  return { version, dir, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('agent model update (real broker, real package server)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let rollout: RolloutDouble;
  let server: PackageServer;
  let v1: Pkg;
  let v2: Pkg;

  before(async () => {
    broker = await startMosquitto();
    hub = await startAckResponder(broker.url);
    rollout = await startRolloutDouble(broker.url);
    server = await startPackageServer();
    v1 = await pkg('1.0.0');
    v2 = await pkg('2.0.0', { seed: 2 });
  });
  after(async () => {
    await rollout?.close();
    await hub?.close();
    await server?.close();
    await broker?.stop();
  });

  /** A fresh agent folder set with `base` as model.dir and the test publisher key as the only trusted one. */
  async function setUp(agentId: string, base: Pkg = v1, rolloutConfig: Record<string, unknown> = {}) {
    const fx = await agentFixture({ model: 'tiny' });
    writeFileSync(join(fx.keysDir, 'publisher.pub.pem'), keys.publicKeyPem);
    const raw = fx.config(broker.url, {
      agentId,
      sendPixels: false,
      model: { dir: base.dir, trustedKeysDir: fx.keysDir, runtime: 'auto' },
      rollout: rolloutConfig,
    });
    const config = parseAgentConfig(raw, fx.root);
    let dropped = 0;
    return {
      fx,
      config,
      address: { site: SITE, agent: agentId },
      drop(rel: string) {
        copyFileSync(join(SAMPLES, rel), join(fx.inDir, `${dropped++}-${basename(rel)}`));
      },
      modelsDir: join(fx.dataDir, 'models'),
      state: () => JSON.parse(readFileSync(join(fx.dataDir, 'models', 'state.json'), 'utf8')),
    };
  }

  const desired = (p: Pkg, url: string, rolloutId: string, over: Partial<ModelDesired> = {}): ModelDesired => ({
    v: 1,
    rolloutId,
    name: 'tiny-densenet',
    version: p.version,
    sha256: p.sha256,
    url,
    sizeBytes: p.bytes.length,
    issuedAt: new Date().toISOString(),
    ...over,
  });
  const stateFor = (agent: string, version: string, state: string, from = 0) =>
    rollout.waitFor(
      () => rollout.statesOf(agent, from).find((s) => s.version === version && s.state === state),
      WAIT_MS,
      `${agent}: ${version} ${state}`,
    );
  const resultFor = (agent: string, count: number) =>
    hub.waitFor(
      () => [...hub.results.values()].filter((r) => r.agent === agent).length >= count,
      WAIT_MS,
      `${agent}: ${count} results`,
    );
  const results = (agent: string): ResultMessage[] => [...hub.results.values()].filter((r) => r.agent === agent);
  const steps = (agent: string, version: string, from = 0) =>
    rollout
      .statesOf(agent, from)
      .filter((s) => s.version === version)
      .map((s) => s.state)
      .filter((s, i, all) => s !== all[i - 1]);

  it('downloads (resuming a cut transfer), verifies, self-tests and switches between two images; restart keeps it; rollback from disk needs no download', async () => {
    const a = await setUp('upd');
    let agent = await startAgent(a.config, quiet);
    try {
      a.drop(PNGS[0] as string);
      await resultFor('upd', 1);
      const url = server.serve('/upd/2.0.0.tar', v2.bytes);
      server.cutOnce('/upd/2.0.0.tar', Math.floor(v2.bytes.length / 2));
      const from = server.requests.length;
      await rollout.desire(a.address, desired(v2, url, 'r1'));
      const active = await stateFor('upd', '2.0.0', 'active');
      assert.equal(active.activeVersion, '2.0.0');
      assert.equal(active.rolloutId, 'r1');
      assert.equal(active.retained, false, 'live report');
      assert.deepEqual(steps('upd', '2.0.0'), ['downloading', 'verifying', 'self-test', 'active']);
      const downloading = rollout.statesOf('upd').filter((s) => s.state === 'downloading');
      assert.equal(downloading.at(-1)?.bytes, v2.bytes.length);
      assert.equal(downloading.at(-1)?.totalBytes, v2.bytes.length);
      assert.equal(downloading.at(0)?.activeVersion, '1.0.0', 'still on the old model while downloading');
      const gets = server.requests.slice(from).filter((r) => r.path === '/upd/2.0.0.tar');
      assert.equal(gets.length, 2, 'one cut transfer, one resumed');
      assert.match(gets[1]?.range ?? '', /^bytes=[1-9]\d*-$/);

      await hub.waitFor(
        () => hub.statuses.some((s) => s.agent === 'upd' && s.model?.version === '2.0.0'),
        WAIT_MS,
        'status shows 2.0.0',
      );
      const health = (await (await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`)).json()) as {
        model: { version: string };
      };
      assert.equal(health.model.version, '2.0.0');
      const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
      assert.match(metrics, /^cxr_agent_model_info\{version="2\.0\.0",runtime="(openvino|onnxruntime)"\} 1$/m);
      assert.match(metrics, /^cxr_agent_model_updates_total\{state="active"\} 1$/m);

      a.drop(PNGS[1] as string);
      await resultFor('upd', 2);
      assert.deepEqual(
        results('upd')
          .map((r) => r.model.version)
          .sort(),
        ['1.0.0', '2.0.0'],
      );
      assert.ok(existsSync(join(a.modelsDir, '2.0.0', 'manifest.json')));
      assert.deepEqual(readdirSync(join(a.modelsDir, '.download')), [], 'the .part is gone');
      assert.deepEqual(readdirSync(join(a.modelsDir, '.staging')), []);
      assert.equal(a.state().active, '2.0.0');
      assert.equal(a.state().previous, '1.0.0');
    } finally {
      await agent.close();
    }

    const requestsBefore = server.requests.length;
    const statesBefore = rollout.states.length;
    agent = await startAgent(a.config, quiet);
    try {
      assert.equal(agent.model.manifest.version, '2.0.0', 'restart starts on state.active');
      await stateFor('upd', '2.0.0', 'active', statesBefore); // the retained desired, reported again
      await rollout.desire(a.address, desired(v1, `${server.baseUrl}/not-served/1.0.0.tar`, 'r1-back'));
      const back = await stateFor('upd', '1.0.0', 'active', statesBefore);
      assert.equal(back.activeVersion, '1.0.0');
      assert.deepEqual(steps('upd', '1.0.0', statesBefore), ['verifying', 'self-test', 'active']);
      assert.equal(server.requests.length, requestsBefore, 'nothing downloaded');
      a.drop(PNGS[2] as string);
      await resultFor('upd', 3);
      assert.deepEqual(
        results('upd')
          .map((r) => r.model.version)
          .sort(),
        ['1.0.0', '1.0.0', '2.0.0'],
      );
      assert.equal(a.state().active, '1.0.0');
      assert.equal(a.state().previous, '2.0.0');
    } finally {
      await agent.close();
    }
  });

  it('refuses a transfer with a flipped byte, an altered model and an unknown signer with codes; stays on its model; retries only for a new rollout id', async () => {
    const a = await setUp('refuse');
    const agent = await startAgent(a.config, quiet);
    try {
      const flipped = Buffer.from(v2.bytes);
      flipped[700] = (flipped[700] as number) ^ 0x01;
      const altered = await pkg('2.0.0', {
        seed: 2,
        alter: (dir) => {
          const onnx = readFileSync(join(dir, 'model.onnx'));
          onnx[onnx.length - 10] = (onnx[onnx.length - 10] as number) ^ 0x01;
          writeFileSync(join(dir, 'model.onnx'), onnx);
        },
      });
      const stranger = await pkg('2.0.0', { seed: 2, keyPair: generateKeyPair() });
      const cases = [
        { id: 'bad-transit', msg: desired(v2, server.serve('/refuse/t.tar', flipped), 'bad-transit') },
        { id: 'bad-model', msg: desired(altered, server.serve('/refuse/m.tar', altered.bytes), 'bad-model') },
        { id: 'bad-key', msg: desired(stranger, server.serve('/refuse/k.tar', stranger.bytes), 'bad-key') },
      ];
      const codes: string[] = [];
      for (const { id, msg } of cases) {
        await rollout.desire(a.address, msg);
        const failed = await rollout.waitFor(
          () => rollout.statesOf('refuse').find((s) => s.rolloutId === id && s.state === 'failed'),
          WAIT_MS,
          `${id} failed`,
        );
        assert.equal(failed.activeVersion, '1.0.0');
        assert.ok(failed.reason && failed.reason.length > 0);
        codes.push(failed.code as string);
      }
      assert.deepEqual(codes, [
        'CXR_ERR_AGENT_MODEL_SHA256_MISMATCH',
        'CXR_ERR_PACKAGE_HASH_MISMATCH',
        'CXR_ERR_PACKAGE_UNTRUSTED_KEY',
      ]);
      assert.equal(existsSync(join(a.modelsDir, '2.0.0')), false, 'nothing refused was installed');
      assert.deepEqual(readdirSync(join(a.modelsDir, '.staging')), []);
      assert.deepEqual(readdirSync(join(a.modelsDir, '.download')), []);

      const requests = server.requests.length;
      const states = rollout.states.length;
      await rollout.desire(a.address, cases[2]?.msg as ModelDesired); // the same failed take-up again
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(server.requests.length, requests, 'a remembered failure is not downloaded again');
      assert.deepEqual(rollout.statesOf('refuse', states), []);
      await rollout.desire(a.address, { ...(cases[2]?.msg as ModelDesired), rolloutId: 'bad-key-2' });
      const again = await stateFor('refuse', '2.0.0', 'failed', states);
      assert.equal(again.code, 'CXR_ERR_PACKAGE_UNTRUSTED_KEY');
      assert.equal(server.requests.length, requests + 1, 'a new rollout id tries again');

      a.drop(PNGS[0] as string);
      await resultFor('refuse', 1);
      assert.equal(results('refuse')[0]?.model.version, '1.0.0');
      assert.equal(agent.model.manifest.version, '1.0.0');
      assert.equal(a.state().failed.length, 4);
    } finally {
      await agent.close();
    }
  });

  it('in shadow mode scores with both models, fails on low agreement, reports agreement and switches when it agrees', async () => {
    const flagsAll = await pkg('1.0.0', { threshold: 0 });
    const flagsNone = await pkg('2.0.0', { threshold: 1 });
    const same = await pkg('2.1.0', { threshold: 0 });
    const a = await setUp('shadow', flagsAll, { shadowImages: 2, shadowMinAgreement: 0.9 });
    const agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(
        a.address,
        desired(flagsNone, server.serve('/shadow/a.tar', flagsNone.bytes), 's1', { shadow: true }),
      );
      await stateFor('shadow', '2.0.0', 'shadow');
      a.drop(PNGS[0] as string);
      a.drop(PNGS[1] as string);
      const failed = await stateFor('shadow', '2.0.0', 'failed');
      assert.equal(failed.code, 'CXR_ERR_AGENT_MODEL_SHADOW_DISAGREES');
      assert.equal(failed.agreement, 0);
      assert.equal(failed.shadowImages, 2);
      assert.equal(failed.activeVersion, '1.0.0');

      await rollout.desire(a.address, desired(same, server.serve('/shadow/b.tar', same.bytes), 's2', { shadow: true }));
      await stateFor('shadow', '2.1.0', 'shadow');
      a.drop(PNGS[2] as string);
      a.drop(PNGS[3] as string);
      await stateFor('shadow', '2.1.0', 'active');
      const last = rollout
        .statesOf('shadow')
        .filter((s) => s.version === '2.1.0' && s.state === 'shadow')
        .at(-1);
      assert.equal(last?.agreement, 1);
      assert.equal(last?.shadowImages, 2);
      await resultFor('shadow', 4);
      assert.ok(
        results('shadow').every((r) => r.model.version === '1.0.0'),
        'shadow images are scored (and sent) by the active model only',
      );
      a.drop(PNGS[4] as string);
      await resultFor('shadow', 5);
      assert.deepEqual(
        results('shadow')
          .map((r) => r.model.version)
          .filter((v) => v !== '1.0.0'),
        ['2.1.0'],
      );
    } finally {
      await agent.close();
    }
  });

  it('falls back to the previous version when the active one fails at start-up and reports rolled-back once connected', async () => {
    const a = await setUp('boot');
    let agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(a.address, desired(v2, server.serve('/boot/2.0.0.tar', v2.bytes), 'r-boot'));
      await stateFor('boot', '2.0.0', 'active');
    } finally {
      await agent.close();
    }
    const onnxPath = join(a.modelsDir, '2.0.0', 'model.onnx');
    const onnx = readFileSync(onnxPath);
    onnx[onnx.length - 10] = (onnx[onnx.length - 10] as number) ^ 0x01;
    writeFileSync(onnxPath, onnx);

    const requests = server.requests.length;
    const states = rollout.states.length;
    agent = await startAgent(a.config, quiet);
    try {
      assert.equal(agent.model.manifest.version, '1.0.0');
      const rolledBack = await stateFor('boot', '2.0.0', 'rolled-back', states);
      assert.equal(rolledBack.code, 'CXR_ERR_PACKAGE_HASH_MISMATCH');
      assert.equal(rolledBack.activeVersion, '1.0.0');
      assert.equal(rolledBack.rolloutId, 'r-boot');
      assert.match(rolledBack.reason ?? '', /^at start-up: /);
      await new Promise((r) => setTimeout(r, 1500)); // the retained desired (same rollout id) arrives meanwhile
      assert.equal(server.requests.length, requests, 'the version that failed is not taken up again');
      assert.deepEqual(steps('boot', '2.0.0', states), ['rolled-back']);
      assert.deepEqual(a.state().failed, [{ version: '2.0.0', sha256: v2.sha256, rolloutId: 'r-boot' }]);
      a.drop(PNGS[0] as string);
      await resultFor('boot', 1);
      assert.equal(results('boot')[0]?.model.version, '1.0.0');
    } finally {
      await agent.close();
    }
  });

  it('rolls back to the previous version when the new model fails in inference during probation', async () => {
    const a = await setUp('probe', v1, { probationImages: 2, maxErrorFraction: 0.4 });
    const agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(a.address, desired(v2, server.serve('/probe/2.0.0.tar', v2.bytes), 'r-probe'));
      await stateFor('probe', '2.0.0', 'active');
      assert.equal(agent.model.manifest.version, '2.0.0');
      await agent.model.session.close(); // the new model's runtime breaks: every inference fails from now on
      a.drop(PNGS[0] as string);
      const rolledBack = await stateFor('probe', '2.0.0', 'rolled-back');
      assert.equal(rolledBack.code, 'CXR_ERR_AGENT_MODEL_PROBATION_FAILED');
      assert.equal(rolledBack.activeVersion, '1.0.0');
      assert.equal(rolledBack.rolloutId, 'r-probe');
      await resultFor('probe', 1); // the failed image is retried with the previous model
      assert.equal(results('probe')[0]?.model.version, '1.0.0');
      assert.equal(agent.model.manifest.version, '1.0.0');
      assert.equal(a.state().active, '1.0.0');
      assert.deepEqual(a.state().failed, [{ version: '2.0.0', sha256: v2.sha256, rolloutId: 'r-probe' }]);
    } finally {
      await agent.close();
    }
  });

  it('lets the latest desired message win over a take-up in progress, and reports disabled rollouts', async () => {
    const a = await setUp('latest');
    const agent = await startAgent(a.config, quiet);
    try {
      const stalled = server.stall('/latest/2.0.0.tar', v2.bytes, 1000);
      await rollout.desire(a.address, desired(v2, stalled, 'r-slow'));
      await rollout.waitFor(
        () => rollout.statesOf('latest').find((s) => s.state === 'downloading' && (s.bytes ?? 0) > 0),
        WAIT_MS,
        'download under way',
      );
      const v3 = await pkg('3.0.0', { seed: 3 });
      await rollout.desire(a.address, desired(v3, server.serve('/latest/3.0.0.tar', v3.bytes), 'r-fast'));
      const active = await stateFor('latest', '3.0.0', 'active');
      assert.equal(active.activeVersion, '3.0.0');
      assert.deepEqual(steps('latest', '2.0.0'), ['downloading'], 'the abandoned take-up reports nothing more');
      assert.ok(existsSync(join(a.modelsDir, '.download', `${v2.sha256}.part`)), 'its .part stays for a resume');
    } finally {
      await agent.close();
    }

    const off = await setUp('off', v1, { enabled: false });
    const disabled = await startAgent(off.config, quiet);
    try {
      await rollout.desire(off.address, desired(v2, server.serve('/off/2.0.0.tar', v2.bytes), 'r-off'));
      const failed = await stateFor('off', '2.0.0', 'failed');
      assert.equal(failed.code, 'CXR_ERR_AGENT_ROLLOUT_DISABLED');
      await rollout.desire(off.address, desired(v1, `${server.baseUrl}/off/1.0.0.tar`, 'r-off-2'));
      assert.equal((await stateFor('off', '1.0.0', 'active')).activeVersion, '1.0.0');
      assert.equal(disabled.model.manifest.version, '1.0.0');
    } finally {
      await disabled.close();
    }
  });
});
