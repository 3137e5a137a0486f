/**
 * Starts a REAL Mosquitto (`/usr/sbin/mosquitto`, or `CXR_MOSQUITTO_BIN`) on a free loopback port with a
 * generated config, for tests. Persistence is on (so a restart keeps sessions and queued QoS 1 messages)
 * and `max_queued_messages 0` removes the default 1000-message cap (ARCHITECTURE.md, environment facts).
 *
 *   const broker = await startMosquitto();
 *   broker.url       // mqtt://127.0.0.1:<port>
 *   await broker.restart();   // same port, same persistence dir
 *   await broker.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface MosquittoOptions {
  port?: number;
  /** Persistence and config directory; a fresh temp dir when omitted. */
  dataDir?: string;
  /** Appended to the generated config (e.g. `allow_anonymous false\npassword_file ...`). */
  extraConfig?: string;
  /** A whole config instead of the generated one (it must listen on `port`): test/support/shipped-mosquitto.ts. */
  configText?: string;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const BIN = process.env.CXR_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function configText(port: number, dataDir: string, extraConfig: string | undefined): string {
  const anonymous = extraConfig?.includes('allow_anonymous') ? '' : 'allow_anonymous true\n';
  return [
    `listener ${port} 127.0.0.1`,
    `${anonymous}persistence true`,
    `persistence_location ${dataDir}/`,
    'autosave_interval 1',
    'max_queued_messages 0',
    'max_inflight_messages 0',
    // Run as root, mosquitto drops to user `mosquitto`, which cannot write a 0700 temp dir: stay ourselves.
    `user ${userInfo().username}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    extraConfig ?? '',
    '',
  ].join('\n');
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cxr-mosquitto-'));
  const configPath = join(dataDir, 'mosquitto.conf');
  writeFileSync(configPath, opts.configText ?? configText(port, dataDir, opts.extraConfig));

  let child: ChildProcess | undefined;
  let stderr = '';

  async function launch(): Promise<void> {
    stderr = '';
    const proc = spawn(BIN, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`mosquitto exited at start (port ${port}): ${stderr}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`mosquitto did not listen on ${port} within 10 s: ${stderr}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM'); // mosquitto writes its persistence file on SIGTERM
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  await launch();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
