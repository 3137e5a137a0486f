/**
 * `cxr bench [names...] [--list] [--json]`: the benchmarks of `npm run bench` (bench/run.ts), each printing
 * its own figures. `--json` runs each benchmark in its own process and prints
 * `{benchmarks: [{name, ok, seconds, output}]}` with the figures as text.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CxrError } from '../../models/errors.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface BenchRun {
  code: number;
  output: string;
}

/** Runs bench/run.ts with `args`; output is captured (`capture`) or goes straight to the terminal. */
function runBench(args: string[], capture: boolean): Promise<BenchRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('error', (cause) =>
      reject(new CxrError('CXR_ERR_INTERNAL', 'cannot start the benchmark runner', { kind: 'internal', cause })),
    );
    child.once('exit', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

async function benchNames(): Promise<string[]> {
  const listed = await runBench(['--list'], true);
  if (listed.code !== 0) throw new CxrError('CXR_ERR_INTERNAL', 'cannot list the benchmarks', { kind: 'internal' });
  return listed.output.split('\n').filter(Boolean);
}

export const benchCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('bench')
      .description('run the benchmarks (decode, inference, agent, hub, training) and print their figures')
      .argument('[names...]', 'benchmarks to run (default: all)')
      .option('--list', 'list the benchmarks')
      .option('--json', 'print JSON (each benchmark run in its own process, figures as text)')
      .action(async (names: string[], o: { list?: boolean; json?: boolean }) => {
        if (!o.json && !o.list) {
          const { code } = await runBench(names, false);
          process.exitCode = code;
          return;
        }
        await runCommand(
          o,
          async () => {
            const known = await benchNames();
            const unknown = names.filter((n) => !known.includes(n));
            if (unknown.length > 0) {
              throw new CxrError(
                'CXR_ERR_BENCH_UNKNOWN',
                `unknown benchmark(s) ${unknown.join(', ')}; known: ${known.join(', ')}`,
              );
            }
            if (o.list) return { benchmarks: known.map((name) => ({ name })) };
            const benchmarks = [];
            for (const name of names.length > 0 ? names : known) {
              const started = performance.now();
              const run = await runBench([name], true);
              benchmarks.push({
                name,
                ok: run.code === 0,
                seconds: (performance.now() - started) / 1000,
                output: run.output,
              });
            }
            return { benchmarks };
          },
          (r) => r.benchmarks.map((b) => b.name).join('\n'),
          (r) => (r.benchmarks.every((b) => !('ok' in b) || b.ok) ? 0 : 1),
        );
      });
  },
};
