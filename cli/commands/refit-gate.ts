/**
 * `cxr refit-gate --model <package> --cache <dir> --negatives <negatives.csv> --out <package dir> --key <private.pem>
 *   --version <semver> [--trust <pub.pem>...] [--seed 7]`
 * A package with the same weights and a not-a-chest gate fitted again on its own features (no checkpoint needed;
 * trainer/gate/refit-package-gate.ts), verified on ONNX Runtime and OpenVINO.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { refitPackageGate } from '../../trainer/gate/refit-package-gate.ts';
import { collect, runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface RefitGateCliOptions {
  model: string;
  cache: string;
  negatives: string;
  out: string;
  key: string;
  version: string;
  trust: string[];
  seed: string;
  json?: boolean;
}

export const refitGateCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('refit-gate')
      .description("a package's not-a-chest gate fitted again on its own features, as a new signed package")
      .requiredOption('--model <dir>', 'the package whose gate is refitted')
      .requiredOption('--cache <dir>', 'the prepared dataset it was trained on')
      .requiredOption('--negatives <csv>', 'negatives.csv of `cxr train negatives`')
      .requiredOption('--out <dir>', 'package folder to write')
      .requiredOption('--key <pem>', 'Ed25519 private key (PEM) to sign with')
      .requiredOption('--version <semver>', 'the new package version')
      .option('--trust <pem>', 'public key to trust besides models/trusted-keys (repeatable)', collect, [])
      .option('--seed <n>', 'seed of the augmented copies', '7')
      .option('--json', 'print JSON')
      .action(async (o: RefitGateCliOptions) => {
        await runCommand(
          o,
          async () =>
            refitPackageGate({
              modelDir: o.model,
              cacheDir: o.cache,
              negativesCsv: o.negatives,
              outDir: o.out,
              version: o.version,
              privateKeyPem: await readFile(o.key, 'utf8'),
              trustedPublicKeysPem: await readTrustedKeys(o.trust),
              seed: Number(o.seed),
            }),
          (r) =>
            [
              `package ${r.dir}: ${r.from}'s weights, gate refitted (head threshold ${r.headThreshold.toFixed(3)}, distance ${r.distanceThreshold.toFixed(3)})`,
              `gate: ${r.gate.validationRefused.refused}/${r.gate.validationRefused.films} validation films refused; held-out kinds refused: ${r.gate.leaveOneKindOut.map((k) => `${k.kind} ${k.refusedHeldOut}/${k.images}`).join(', ')}`,
              ...r.verification.map(
                (v) =>
                  `${v.runtime}: ${v.error ? `not checked (${v.error})` : `max |diff| vs ${r.from} ${v.maxAbsDiff?.toExponential(2)} on ${v.images} images`}${v.vsOnnxRuntime ? `; vs onnxruntime: probabilities ${v.vsOnnxRuntime.probabilities.toExponential(2)}, cam ${v.vsOnnxRuntime.cam.toExponential(2)}, gate ${v.vsOnnxRuntime.extra.toExponential(2)}` : ''}`,
              ),
            ].join('\n'),
        );
      });
  },
};
