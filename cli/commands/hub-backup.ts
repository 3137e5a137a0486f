/**
 * `cxr hub backup --config <file> --out <backup.tar>`: an online, consistent copy of the hub (SQLite database
 * by SQLite's backup API, blobs, diagnostic images, model packages) while it runs (hub/db/backup.ts).
 * `cxr hub restore --config <file> --from <backup.tar>`: puts it back into a stopped hub with no database,
 * after checking every file against the backup's manifest (hub/db/restore.ts). docs/operations.md, "Hub backup".
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadHubConfig } from '../../hub/config.ts';
import { backupHub } from '../../hub/db/backup.ts';
import { restoreHub } from '../../hub/db/restore.ts';
import { CxrError } from '../../models/errors.ts';
import { runCommand } from '../output.ts';

type Options = { config?: string; out?: string; from?: string; json?: boolean };

function configOf(options: Options) {
  if (!options.config) throw new CxrError('CXR_ERR_HUB_CONFIG', 'missing --config <file>');
  return loadHubConfig(options.config);
}

/** Adds `backup` and `restore` under `cxr hub`. */
export function registerBackupCommands(hub: Command): void {
  hub
    .command('backup')
    .description('online, consistent backup of the hub (database, blobs, images, models) into one tar')
    .option('--config <file>', 'hub config JSON')
    .requiredOption('--out <file>', 'the tar to write (mode 0600: it holds the hub secrets)')
    .option('--json', 'print the manifest as JSON')
    .action(async (_opts: unknown, command: Command) => {
      const options = command.optsWithGlobals<Options>();
      await runCommand(
        options,
        () => backupHub(configOf(options), resolve(options.out as string), () => new Date()),
        (m) =>
          `backup ${options.out}: schema ${m.schemaVersion}, ${m.rows.results ?? 0} results, ${m.files.length} files`,
      );
    });
  hub
    .command('restore')
    .description('restore a backup into a stopped hub that has no database yet (every file checked first)')
    .option('--config <file>', 'hub config JSON')
    .requiredOption('--from <file>', 'a tar written by cxr hub backup')
    .option('--json', 'machine-readable output')
    .action(async (_opts: unknown, command: Command) => {
      const options = command.optsWithGlobals<Options>();
      await runCommand(
        options,
        () => restoreHub(configOf(options), resolve(options.from as string)),
        (r) => `restored ${r.database} (backup of ${r.createdAt}): ${r.rows.results ?? 0} results, ${r.files} files`,
      );
    });
}
