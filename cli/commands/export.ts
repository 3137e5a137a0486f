/**
 * `cxr export --run <train out dir> --cache <dir> --out <package dir> --key <private.pem> [--name --version]
 *   [--negatives <negatives.csv>] [--urgent-specificity 0.95] [--golden 1]`
 * Writes the signed package from the best checkpoint (calibration, thresholds, urgent points and the not-a-chest
 * gate fitted on validation) and verifies ONNX Runtime + OpenVINO against tfjs and against each other.
 */
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { BackendPreference } from '../../trainer/backend/select-backend.ts';
import { readIndex } from '../../trainer/data/prepare-cache.ts';
import { exportPackage } from '../../trainer/export/export-package.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface ExportCliOptions {
  run: string;
  cache: string;
  out: string;
  key: string;
  name: string;
  version: string;
  golden: string;
  negatives?: string;
  urgentSpecificity: string;
  backend: BackendPreference;
  json?: boolean;
}

export const exportCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('export')
      .description('signed model package from the best checkpoint, verified on ONNX Runtime and OpenVINO')
      .requiredOption('--run <dir>', 'training output folder (cxr train --out)')
      .requiredOption('--cache <dir>', 'prepared dataset the run used')
      .requiredOption('--out <dir>', 'package folder to write')
      .requiredOption('--key <pem>', 'Ed25519 private key (PEM) to sign with')
      .option('--name <name>', 'model name', 'cxr-densenet')
      .option('--version <semver>', 'model version', '0.1.0')
      .option('--golden <n>', 'golden cases per site, taken from the first test images of each site', '1')
      .option('--negatives <csv>', 'negatives.csv of `cxr train negatives`: fit the not-a-chest gate')
      .option('--urgent-specificity <p>', 'specificity of the urgent operating point per finding (validation)', '0.95')
      .addOption(
        new Option('--backend <name>', 'tfjs backend for scoring and gate features')
          .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
          .default('wasm'),
      )
      .option('--json', 'print JSON')
      .action(async (o: ExportCliOptions) => {
        await runCommand(
          o,
          async () => {
            const index = await readIndex(o.cache);
            const sites = [...new Set(index.splits.test.map((i) => i.site ?? index.source))].sort();
            const goldenImages = sites.flatMap((site) =>
              index.splits.test
                .filter((i) => (i.site ?? index.source) === site)
                .slice(0, Number(o.golden))
                .map((i) => i.path),
            );
            const privateKeyPem = await readFile(o.key, 'utf8');
            return exportPackage({
              trainDir: o.run,
              cacheDir: o.cache,
              outDir: o.out,
              privateKeyPem,
              name: o.name,
              version: o.version,
              goldenImages,
              urgentSpecificity: Number(o.urgentSpecificity),
              backend: o.backend,
              ...(o.negatives ? { negativesCsv: o.negatives } : {}),
            });
          },
          (r) =>
            [
              `package written to ${r.dir} (${(r.macs / 1e6).toFixed(1)} M MACs, ${(r.params / 1e6).toFixed(3)} M params)`,
              `thresholds (validation): ${Object.entries(r.thresholds)
                .map(([c, t]) => `${c} ${t.threshold.toFixed(3)} [${t.chosenOn}]`)
                .join(', ')}`,
              `test AUROC: ${JSON.stringify((r.metrics as { auroc: unknown }).auroc)} mean ${(r.metrics as { meanAuroc: number | null }).meanAuroc?.toFixed(3) ?? 'n/a (no class with 2+ positives and negatives)'}`,
              ...r.verification.map(
                (v) =>
                  `${v.runtime}: ${v.error ? `not checked (${v.error})` : `max |diff| vs tfjs ${v.maxAbsDiff?.toExponential(2)} on ${v.images} images`}${v.vsOnnxRuntime ? `; vs onnxruntime: probabilities ${v.vsOnnxRuntime.probabilities.toExponential(2)}, cam ${v.vsOnnxRuntime.cam.toExponential(2)}, gate ${v.vsOnnxRuntime.extra.toExponential(2)}` : ''}`,
              ),
              ...(r.gate
                ? [
                    `gate: ${r.gate.validationRefused.refused}/${r.gate.validationRefused.films} validation films refused; held-out kinds refused: ${r.gate.leaveOneKindOut.map((k) => `${k.kind} ${k.refusedHeldOut}/${k.images}`).join(', ')}`,
                  ]
                : []),
            ].join('\n'),
        );
      });
  },
};
