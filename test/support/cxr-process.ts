/**
 * Long-running `cxr` services (`node bin/cxr.mjs agent|hub --config ...`) as REAL child processes, as systemd
 * would run them, with their log lines (stdout and stderr) appended to a file the test can scan afterwards,
 * and a small client for the hub's HTTP API (login, every result on the worklist).
 *
 *   const hub = startCxrService(['hub', '--config', file], { logFile });
 *   hub.kill('SIGKILL'); await hub.exited;
 *   const results = await listResults(`http://127.0.0.1:${port}`, 'rad', password);
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CXR = fileURLToPath(new URL('../../bin/cxr.mjs', import.meta.url));

export interface CxrService {
  child: ChildProcess;
  /** Resolves with the exit code (null after a signal) when the process is gone. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  /** The last 8 KB of output, for assertion messages. */
  tail(): string;
}

export function startCxrService(args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv }): CxrService {
  const child = spawn(process.execPath, [CXR, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    appendFileSync(options.logFile, chunk);
    tail = (tail + chunk.toString()).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    tail: () => tail,
  };
}

export interface WorklistItem {
  resultId: string;
  site: string;
  agent: string;
}

/** Logs in and pages through the whole worklist (every status); undefined while the hub does not answer. */
export async function listResults(
  baseUrl: string,
  username: string,
  password: string,
): Promise<WorklistItem[] | undefined> {
  try {
    const login = await fetch(`${baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (login.status !== 200) return undefined;
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const items: WorklistItem[] = [];
    let cursor: string | null = null;
    do {
      const query = `status=all&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await fetch(`${baseUrl}/api/worklist?${query}`, { headers: { cookie } });
      if (page.status !== 200) return undefined;
      const body = (await page.json()) as { items: WorklistItem[]; nextCursor: string | null };
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return items;
  } catch {
    return undefined; // not listening (yet, or any more)
  }
}
