/**
 * The air-gapped install, for real: `cxr bundle --out agent-bundle.tar` (the CLI as a child process), then, inside
 * a network namespace with no route anywhere (`ip netns add`; not even loopback is up), the tar is unpacked into
 * a fresh folder, its install script runs (`--no-system`: copy + `cxr bundle --check`, which runs the model's
 * self-test on OpenVINO and ONNX Runtime), `cxr infer` screens a sample, and the installed agent scores a file
 * into its SQLite outbox. Needs root for `ip netns`; skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SAMPLES } from '../agent/fixture.ts';
import { runCxr } from '../support/cxr-cli.ts';

const NETNS = `cxr-bundle-${process.pid}`;
const netnsSkip =
  process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).status === 0
    ? false
    : 'needs root and iproute2 (`ip netns`) to install inside a namespace with no network';

/** Runs a command inside the namespace; resolves with its exit code and output. */
function inNetns(args: string[], cwd: string, timeoutMs = 240_000) {
  const run = spawnSync('ip', ['netns', 'exec', NETNS, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('air-gapped agent bundle (install and run inside a network namespace)', { skip: netnsSkip }, () => {
  let dir: string;
  let prefix: string;
  let agent: ChildProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cxr-bundle-it-'));
    prefix = join(dir, 'opt', 'cxr-edge');
    execFileSync('ip', ['netns', 'add', NETNS]);
  });
  after(() => {
    agent?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NETNS]);
    rmSync(dir, { recursive: true, force: true }); // the tar, the unpacked copy and the install: ~1 GB
  });

  it('builds the bundle with `cxr bundle --out`', async () => {
    const run = await runCxr(['bundle', '--out', join(dir, 'agent-bundle.tar'), '--json'], { timeout: 300_000 });
    assert.equal(run.code, 0, run.stderr);
    const manifest = JSON.parse(run.stdout) as { files: number; bytes: number; modelVersion: string };
    assert.ok(manifest.files > 1000 && manifest.bytes > 0);
    assert.ok(manifest.modelVersion);
  });

  it('has no network inside the namespace', () => {
    const probe = inNetns(
      ['node', '-e', "fetch('http://93.184.216.34/').then(() => process.exit(0), () => process.exit(3))"],
      dir,
      30_000,
    );
    assert.equal(probe.code, 3, `a request got out: ${probe.out}`);
    assert.equal(inNetns(['ip', 'route'], dir).out.trim(), '', 'no route at all');
  });

  it('unpacks and installs with no network; the install check passes on both runtimes', () => {
    assert.equal(inNetns(['tar', '-xf', 'agent-bundle.tar'], dir).code, 0);
    const install = inNetns(['bash', 'cxr-edge/deploy/bundle/install.sh', '--prefix', prefix, '--no-system'], dir);
    assert.equal(install.code, 0, install.out);
    for (const part of ['sqlite', 'image reader', 'openvino', 'onnxruntime'])
      assert.match(install.out, new RegExp(`^ok +${part}:`, 'm'), install.out);
    const modules = readdirSync(join(prefix, 'node_modules'));
    for (const devOnly of ['typescript', '@biomejs', 'fast-check', '@types'])
      assert.ok(!modules.includes(devOnly), `${devOnly} pruned`);
    assert.ok(modules.includes('tsx'), 'the loader bin/cxr.mjs needs stays');
    // Only imported sources ship: production code imports nothing under test/.
    for (const absent of ['test', 'models/samples', '.git'])
      assert.ok(!existsSync(join(prefix, absent)), `${absent} left out`);
  });

  it('screens a sample with the installed `cxr infer` on OpenVINO', () => {
    copyFileSync(join(SAMPLES, 'nih/images/00000032_038.png'), join(dir, 'chest.png'));
    const cxr = join(prefix, 'bin', 'cxr.mjs');
    const model = join(prefix, 'models', 'baseline');
    const run = inNetns(['node', cxr, 'infer', '--model', model, '--runtime', 'openvino', '--json', 'chest.png'], dir);
    assert.equal(run.code, 0, run.out);
    const [result] = JSON.parse(run.out) as { runtime: string; probabilities: Record<string, number> }[];
    assert.equal(result?.runtime, 'openvino');
    assert.ok(Object.keys(result?.probabilities ?? {}).length >= 2);
  });

  it('runs the installed agent: a file dropped in its inbox is scored into the outbox', async () => {
    const inbox = join(dir, 'inbox');
    const dataDir = join(dir, 'agent-data');
    mkdirSync(inbox);
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        site: 'clinic-air',
        agentId: 'xr-1',
        siteSecret: 'air-gapped-site-secret-0123',
        dataDir,
        watch: [{ path: inbox, stableMs: 300, rescanIntervalMs: 1000 }],
        model: { dir: join(prefix, 'models', 'baseline') },
        mqtt: { url: 'mqtt://127.0.0.1:1883' },
        http: { port: -1 },
        disk: { minFreeBytes: 0, minFreePercent: 0 },
        logLevel: 'warn',
      }),
    );
    agent = spawn('ip', ['netns', 'exec', NETNS, 'node', join(prefix, 'bin', 'cxr.mjs'), 'agent', '--config', config], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    agent.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    copyFileSync(join(SAMPLES, 'nih/images/00001280_004.png'), join(inbox, 'film.png'));
    const processed = join(dataDir, 'processed', 'film.png');
    const deadline = Date.now() + 120_000;
    while (!existsSync(processed)) {
      assert.ok(Date.now() < deadline && agent.exitCode === null, `not scored: ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const db = new Database(join(dataDir, 'agent.db'), { readonly: true });
    try {
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number };
      assert.equal(n, 1, 'one result waits in the outbox (no broker reachable)');
    } finally {
      db.close();
    }
    const stopped = new Promise<number | null>((resolve) => agent?.once('exit', (code) => resolve(code)));
    agent.kill('SIGTERM');
    assert.equal(await stopped, 0, stderr);
    agent = undefined;
  });
});
