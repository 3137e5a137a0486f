/**
 * Runs `cxr hub --config <file>` as a child process (a hub replica, as an operator would start it) on its own
 * HTTP port (CXR_HUB_HTTP_PORT), for multi-process tests and benches. Resolves once the hub says where its
 * dashboard is; keeps its pino log lines; `kill()` is SIGKILL, `stop()` SIGTERM (a clean shutdown).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CXR = fileURLToPath(new URL('../../bin/cxr.mjs', import.meta.url));
/** A replica not serving by then is stuck (its log lines go into the error). */
const START_WITHIN_MS = 120_000;

export interface HubProcess {
  url: string;
  pid: number;
  /** Its log lines (pino JSON), oldest first. */
  lines: string[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHubProcess(configFile: string, port: number): Promise<HubProcess> {
  const child: ChildProcess = spawn(process.execPath, [CXR, 'hub', '--config', configFile], {
    env: { ...process.env, CXR_HUB_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    lines.push(...complete.filter(Boolean));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub not serving within ${START_WITHIN_MS} ms:\n${stderr}\n${lines.slice(-20).join('\n')}`));
    }, START_WITHIN_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('cxr hub: dashboard')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited at start:\n${stderr}\n${lines.slice(-20).join('\n')}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    lines,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
