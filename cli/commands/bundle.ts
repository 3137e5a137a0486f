/**
 * `cxr bundle --out <file.tar> [--json]`: packs everything an agent needs on a machine with no network
 * (code, the npm packages for linux-x64 with their native addons, the OpenVINO CPU runtime from .venv, the signed
 * model, the systemd unit, PKI scripts and the install script) into one tar (cli/bundle/, docs/operations.md).
 * Run it after scripts/setup.sh on a connected Debian 12 + Node 20 machine. Exit 2 if the repository is not
 * set up (CXR_ERR_BUNDLE_INCOMPLETE).
 * `cxr bundle --check [--json]`: checks that this installation runs here (SQLite, image reader, model on
 * OpenVINO and ONNX Runtime); exit 1 if a part fails. The bundle's install script runs it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CxrError } from '../../models/errors.ts';
import { checkInstall, type InstallCheck } from '../bundle/check-install.ts';
import { type BundleManifest, writeAgentBundle } from '../bundle/write-bundle.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function renderBundle(m: BundleManifest): string {
  const mib = (m.bytes / 2 ** 20).toFixed(0);
  return `wrote a bundle: ${m.files} files, ${mib} MiB, model ${m.modelVersion}\ninstall: ${m.install}`;
}

function renderChecks(checks: InstallCheck[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.part}: ${c.detail}`).join('\n');
}

export const bundleCommand: CommandModule = {
  register(program: Command) {
    program
      .command('bundle')
      .description('pack an air-gapped agent install (code, node_modules, OpenVINO, model, units, install script)')
      .option('--out <file>', 'the tar to write, e.g. agent-bundle.tar')
      .option('--check', 'check that this installation runs here instead')
      .option('--json', 'print JSON')
      .action(async (options: { out?: string; check?: boolean; json?: boolean }) => {
        if (options.check) {
          await runCommand(
            options,
            () => checkInstall(REPO_ROOT),
            renderChecks,
            (c) => (c.every((x) => x.ok) ? 0 : 1),
          );
          return;
        }
        await runCommand(
          options,
          async () => {
            if (!options.out)
              throw new CxrError('CXR_ERR_BUNDLE_INCOMPLETE', 'say where to write it: --out <file.tar>');
            return writeAgentBundle(REPO_ROOT, resolve(options.out), () => new Date());
          },
          renderBundle,
        );
      });
  },
};
