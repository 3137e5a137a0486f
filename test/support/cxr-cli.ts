/**
 * Runs the `cxr` CLI as a child process (`node bin/cxr.mjs ...`), as an operator would, and resolves with its
 * exit code and output, also when it exits non-zero (a failed run is a result the tests assert on, not a throw).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CXR = fileURLToPath(new URL('../../bin/cxr.mjs', import.meta.url));

export interface CxrRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CxrOptions {
  /** Added over this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Working directory; this process's when left out. */
  cwd?: string;
  /** Kill the child after this many ms (it then counts as a failed run). */
  timeout?: number;
}

export function runCxr(args: string[], options: CxrOptions = {}): Promise<CxrRun> {
  const { env = {}, cwd, timeout } = options;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CXR, ...args],
      { env: { ...process.env, ...env }, cwd, timeout, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}
