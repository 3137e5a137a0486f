/**
 * Shared CLI conventions: `--json` prints machine-readable JSON on stdout and nothing else there;
 * exit 0 on success, 2 on bad input (`{"error":{"code","message"}}` under --json), 1 on internal failure.
 */
import { asCxrError } from '../models/errors.ts';

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs a command body. `render` prints the human form; under --json the value itself is printed.
 * A returned `exitCode` (e.g. 2 when some files failed) is honoured after printing.
 */
export async function runCommand<T>(
  options: OutputOptions,
  body: () => Promise<T>,
  render: (value: T) => string,
  exitCodeOf: (value: T) => number = () => 0,
): Promise<void> {
  try {
    const value = await body();
    if (options.json) printJson(value);
    else process.stdout.write(`${render(value)}\n`);
    process.exitCode = exitCodeOf(value);
  } catch (thrown) {
    const error = asCxrError(thrown);
    if (options.json) printJson({ error: error.toJSON() });
    else process.stderr.write(`cxr: ${error.code}: ${error.message}\n`);
    process.exitCode = error.kind === 'input' ? 2 : 1;
  }
}

/** commander's parser for a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
