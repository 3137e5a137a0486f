import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import { packTar } from '../../models/package/tar.ts';
import { type TinyModelOptions, writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import type { ModelDesired, ResultMessage } from '../../protocol/messages.ts';
import { agentFixture, SAMPLES, samplesUnder } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';
import { type PackageServer, startPackageServer } from '../support/package-server.ts';
import { type RolloutDouble, startRolloutDouble } from '../support/rollout-double.ts';

export const quiet = { logger: pino({ level: 'silent' }) };
export const PNGS = samplesUnder('nih/images', /\.png$/i);
export const SITE = 'clinic-1';
export const keys = generateKeyPair();
export const WAIT_MS = 40_000;

export interface Pkg {
  version: string;
  dir: string;
  bytes: Buffer;
  sha256: string;
}

export async function pkg(
  version: string,
  options: TinyModelOptions & { alter?: (dir: string) => void } = {},
): Promise<Pkg> {
  const dir = join(await mkdtemp(join(tmpdir(), 'cxr-update-pkg-')), version);
  await writeTinyModelPackage(dir, { version, keyPair: keys, ...options });
  options.alter?.(dir);
  const bytes = await packTar(dir);
  return { version, dir, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Shared real parts of the agent model take-up tests (agent-model-update, agent-model-rollback): a REAL
 * Mosquitto, the ack-ing test hub, a rollout double that publishes retained `model/desired` and records
 * `model/state`, a real node:http package server with Range support, and real signed tiny model packages
 * (`.tar` from packTar). `modelUpdateHarness()` registers before/after and returns the helpers.
 */
export function modelUpdateHarness() {
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

  return {
    setUp,
    desired,
    stateFor,
    resultFor,
    results,
    steps,
    parts: () => ({ broker, hub, rollout, server, v1, v2 }),
  };
}
