/**
 * `cxr demo`: a hub (embedded broker) and one agent on the bundled model, watching a temporary inbox seeded
 * with the sample images; prints the dashboard URL and a demo login, runs until Ctrl-C.
 * `cxr demo --check [--json]`: the same, headless, in a temporary directory: waits until every sample chest
 * image has reached the hub's worklist through the real agent → MQTT → hub path (non-chest samples must be
 * quarantined instead), prints { images, delivered, quarantined, runtime, seconds } and exits 0 only if
 * every chest image arrived exactly once and every non-chest one was quarantined (1 otherwise, or on timeout).
 *
 * Model: `models/baseline/` with `models/trusted-keys/` when the trained baseline is present; otherwise the
 * tiny random test model (signed with a throw-away key) — said so on stderr and in the summary's `model`.
 */
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { generatePassword, hashPassword } from '../../hub/auth/password.ts';
import { parseHubConfig } from '../../hub/config.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { CxrError } from '../../models/errors.ts';
import { packTar } from '../../models/package/tar.ts';
import { writeTinyModelPackage } from '../../models/package/tiny-model.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SITE = 'demo-site';
const AGENT = 'xr-1';
const DEMO_USER = 'demo';

/** Real chest DICOMs of models/samples, one per container kind: JPEG Baseline CR, implicit-LE DX, preamble-less CR. */
const CHEST_DICOMS = [
  'models/samples/dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm',
  'models/samples/dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
  'models/samples/dicom/fo-dicom/CR-MONO1-10-chest.dcm',
];

/**
 * The demo's sample set: NIH chest PNGs and real chest DICOMs (must be delivered) and non-chest DICOMs
 * (must be quarantined).
 */
export function demoSamples(): { chest: string[]; nonChest: string[] } {
  const list = (dir: string, ext: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.toLowerCase().endsWith(ext))
          .sort()
          .map((f) => join(dir, f))
      : [];
  return {
    chest: [
      ...list(join(REPO, 'models/samples/nih/images'), '.png'),
      ...CHEST_DICOMS.map((f) => join(REPO, f)).filter((f) => existsSync(f)),
    ],
    nonChest: list(join(REPO, 'models/samples/dicom/non_chest'), '.dcm'),
  };
}

async function chooseModel(work: string, log: pino.Logger) {
  const baseline = join(REPO, 'models/baseline');
  if (existsSync(join(baseline, 'manifest.json'))) {
    log.info({ model: 'baseline' }, 'demo model: the bundled baseline (models/baseline)');
    return { kind: 'baseline' as const, dir: baseline, trustedKeysDir: join(REPO, 'models/trusted-keys') };
  }
  log.warn({ model: 'tiny-test-model' }, 'models/baseline not present: the demo uses the tiny RANDOM test model');
  const dir = join(work, 'model');
  const trustedKeysDir = join(work, 'trusted-keys');
  mkdirSync(trustedKeysDir, { recursive: true });
  const pkg = await writeTinyModelPackage(dir, { name: 'tiny-test-model' });
  writeFileSync(join(trustedKeysDir, 'demo.pub.pem'), pkg.publicKeyPem);
  return { kind: 'tiny-test-model' as const, dir, trustedKeysDir };
}

/** Publishes the agent's model into the demo hub's registry as `production`, so a rollout can start from it. */
async function registerModel(hubUrl: string, token: string, dir: string): Promise<void> {
  const response = await fetch(`${hubUrl}/api/models?alias=production`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
    body: new Uint8Array(await packTar(dir)),
  });
  if (!response.ok) {
    throw new CxrError(
      'CXR_ERR_INTERNAL',
      `the demo hub refused the model: ${response.status} ${await response.text()}`,
      {
        kind: 'internal',
      },
    );
  }
}

interface Demo {
  hub: RunningHub;
  agent: RunningAgent;
  work: string;
  login: { username: string; password: string };
  model: 'baseline' | 'tiny-test-model';
  samples: { chest: string[]; nonChest: string[] };
  close(): Promise<void>;
}

async function startDemo(options: { httpPort: number; mqttPort: number; quiet: boolean }): Promise<Demo> {
  const log = pino({ level: options.quiet ? 'warn' : 'info' }, pino.destination(2));
  const work = mkdtempSync(join(tmpdir(), 'cxr-demo-'));
  const samples = demoSamples();
  if (samples.chest.length === 0) throw new CxrError('CXR_ERR_DEMO_NO_SAMPLES', 'no sample images in models/samples/');
  const model = await chooseModel(work, log);
  const login = { username: DEMO_USER, password: generatePassword(9) };
  const agentPassword = generatePassword();
  const publishToken = generatePassword();
  const hub = await startHub(
    parseHubConfig({
      dataDir: join(work, 'hub'),
      http: { host: '127.0.0.1', port: options.httpPort },
      mqtt: { host: '127.0.0.1', port: options.mqttPort, clientId: `cxr-hub-demo-${process.pid}` },
      logLevel: options.quiet ? 'warn' : 'info',
      users: [{ username: login.username, role: 'admin', passwordHash: hashPassword(login.password) }],
      agents: [{ site: SITE, agent: AGENT, passwordHash: hashPassword(agentPassword) }],
      publishers: [{ name: 'demo', tokenHash: hashPassword(publishToken) }],
      models: { trustedKeysDir: model.trustedKeysDir },
    }),
    { log: log.child({ service: 'hub' }) },
  );
  const inbox = join(work, 'inbox');
  mkdirSync(inbox, { recursive: true });
  let agent: RunningAgent;
  try {
    await registerModel(hub.httpUrl, publishToken, model.dir);
    agent = await startAgent(
      parseAgentConfig(
        {
          site: SITE,
          agentId: AGENT,
          siteSecret: randomBytes(24).toString('hex'),
          dataDir: join(work, 'agent'),
          watch: [{ path: inbox, policy: 'move', stableMs: 300, rescanIntervalMs: 1000 }],
          model: { dir: model.dir, trustedKeysDir: model.trustedKeysDir },
          mqtt: { url: hub.mqttUrl, username: `${SITE}/${AGENT}`, password: agentPassword, statusIntervalMs: 2000 },
          // Lossless images for the viewer, uploaded over HTTP with the agent's login (docs/viewing.md).
          pixels: { policy: 'diagnostic', hubUrl: hub.httpUrl },
          http: { port: -1 },
          logLevel: options.quiet ? 'warn' : 'info',
        },
        work,
      ),
      { logger: log.child({ service: 'agent' }) },
    );
  } catch (error) {
    await hub.close();
    throw error;
  }
  // Copy then rename, so the watcher only ever sees complete files.
  for (const file of [...samples.chest, ...samples.nonChest]) {
    const temp = join(work, `${basename(file)}.part`);
    copyFileSync(file, temp);
    renameSync(temp, join(inbox, basename(file)));
  }
  return {
    hub,
    agent,
    work,
    login,
    model: model.kind,
    samples,
    async close() {
      await agent.close();
      await hub.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export interface DemoSummary {
  ok: boolean;
  images: number;
  chest: number;
  nonChest: number;
  delivered: number;
  duplicates: number;
  quarantined: number;
  runtime: string;
  model: string;
  seconds: number;
}

async function worklistCount(hub: RunningHub, login: Demo['login']): Promise<number> {
  const session = await fetch(`${hub.httpUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(login),
  });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = `status=all&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await (await fetch(`${hub.httpUrl}/api/worklist?${query}`, { headers: { cookie } })).json()) as {
      items: unknown[];
      nextCursor: string | null;
    };
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

async function runCheck(timeoutS: number): Promise<DemoSummary> {
  const started = performance.now();
  const demo = await startDemo({ httpPort: 0, mqttPort: 0, quiet: true });
  try {
    const { chest, nonChest } = demo.samples;
    const deadline = Date.now() + timeoutS * 1000;
    let delivered = 0;
    let quarantined = 0;
    for (;;) {
      delivered = await worklistCount(demo.hub, demo.login);
      quarantined = demo.agent.status().quarantined;
      const done = delivered >= chest.length && quarantined >= nonChest.length && demo.agent.status().outbox === 0;
      if (done || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const counters = demo.hub.hub.counters;
    return {
      ok: delivered === chest.length && counters.stored === chest.length && quarantined === nonChest.length,
      images: chest.length + nonChest.length,
      chest: chest.length,
      nonChest: nonChest.length,
      delivered,
      duplicates: counters.duplicate,
      quarantined,
      runtime: demo.agent.model.session.runtime,
      model: `${demo.model} ${demo.agent.model.manifest.version}`,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await demo.close();
  }
}

async function runInteractive(httpPort: number, mqttPort: number): Promise<void> {
  const demo = await startDemo({ httpPort, mqttPort, quiet: false });
  process.stdout.write(
    [
      '',
      `  cxr-edge demo (${demo.model === 'baseline' ? 'bundled baseline model' : 'TINY RANDOM TEST MODEL: findings are meaningless'})`,
      `  Dashboard:  ${demo.hub.httpUrl}/`,
      `  Login:      ${demo.login.username} / ${demo.login.password}`,
      `  MQTT:       ${demo.hub.mqttUrl}  (agent ${SITE}/${AGENT})`,
      `  Inbox:      ${join(demo.work, 'inbox')}  (drop more PNG/JPEG/DICOM files here)`,
      '  Ctrl-C stops the demo and deletes its temporary folder.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await demo.close();
}

export const demoCommand: CommandModule = {
  register(program: Command) {
    program
      .command('demo')
      .description('run a hub and one agent on the sample images (or --check: a headless end-to-end smoke test)')
      .option('--check', 'headless: wait for every sample to arrive, print a summary, exit 0/1')
      .option('--json', 'with --check: print the summary as JSON')
      .option('--timeout <seconds>', 'with --check: give up after this long', '120')
      .option('--port <port>', 'dashboard HTTP port', '8080')
      .option('--mqtt-port <port>', 'embedded MQTT broker port', '1883')
      .action(async (options: { check?: boolean; json?: boolean; timeout: string; port: string; mqttPort: string }) => {
        if (!options.check) {
          await runCommand(
            {},
            async () => runInteractive(Number(options.port), Number(options.mqttPort)),
            () => 'demo stopped',
          );
          return;
        }
        await runCommand(
          { json: options.json ?? false },
          () => runCheck(Number(options.timeout)),
          (s) =>
            `${s.ok ? 'OK' : 'FAILED'}: ${s.delivered}/${s.chest} chest images delivered, ${s.quarantined}/${s.nonChest} non-chest quarantined, ` +
            `${s.duplicates} duplicate acks, runtime ${s.runtime}, model ${s.model}, ${s.seconds} s`,
          (s) => (s.ok ? 0 : 1),
        );
        // Open handles (SQLite, sockets) are closed; exit promptly with the summary's code.
        process.exit(process.exitCode ?? 0);
      });
  },
};
