/**
 * `cxr infer --model <dir|.tar> [--runtime auto|openvino|onnxruntime] [--trust <pub.pem...>] <files...> [--json]`
 *
 * Verifies the model package (signature against models/trusted-keys/*.pub.pem plus --trust, hash, self-test),
 * opens the runtime, then per file: read → not-a-chest gate (tags, view, pixels; models/package/chest-gate.ts) →
 * preprocess → infer → gate (model head, distance) → calibrate, printing calibrated probabilities per class, flags
 * from the manifest thresholds, the runtime, the model version and the milliseconds (read + preprocess + infer).
 * A file that fails or is refused by the gate gets `error: {code, message}` and the exit code is 2; other files
 * still run.
 */
import { type Command, Option } from 'commander';
import { asCxrError } from '../../models/errors.ts';
import { textureStats } from '../../models/image/image-stats.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import { calibrateProbabilities } from '../../models/package/calibration.ts';
import { inputGate } from '../../models/package/chest-gate.ts';
import { outputGateOriented, runOn } from '../../models/package/film-orientation.ts';
import { flaggedClasses, probabilitiesByClass } from '../../models/package/flags.ts';
import type { ModelPackage } from '../../models/package/load-package.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { selfTest } from '../../models/runtime/self-test.ts';
import type { InferenceSession, RuntimeChoice } from '../../models/runtime/types.ts';
import { collect, runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

export interface InferResult {
  file: string;
  probabilities?: Record<string, number>;
  flags?: string[];
  runtime: string;
  modelVersion: string;
  ms?: number;
  /** The gate's scores (docs/trainer.md, "Not-a-chest gate") when the package has a gate. */
  gate?: { chest?: number; distance?: number };
  error?: { code: string; message: string };
}

interface InferOptions {
  model: string;
  runtime: RuntimeChoice;
  trust: string[];
  mode: 'latency' | 'throughput';
  json?: boolean;
}

async function inferFile(file: string, pkg: ModelPackage, session: InferenceSession): Promise<InferResult> {
  const base = { file, runtime: session.runtime, modelVersion: pkg.manifest.version };
  const started = performance.now();
  try {
    const image = await readImageFile(file);
    const refuse = (code: string, message: string) => ({ ...base, error: { code, message } });
    if (!image.isChest) return refuse('CXR_ERR_AGENT_NOT_CHEST', `not a chest radiograph: ${image.notChestReason}`);
    const before = inputGate(pkg.manifest, image, textureStats(image.pixels, image.cols, image.rows));
    if (!before.ok) return refuse(before.code, before.reason);
    const input = preprocess(image, pkg.manifest.input);
    const [output] = await session.infer([input]);
    const after = await outputGateOriented(pkg.manifest, image, input, output!, runOn(session));
    if (!after.ok) return refuse(after.code, after.reason);
    const probabilities = calibrateProbabilities(pkg.manifest, output!.probabilities);
    return {
      ...base,
      probabilities: probabilitiesByClass(pkg.manifest, probabilities),
      flags: flaggedClasses(pkg.manifest, probabilities),
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...(pkg.manifest.gate ? { gate: { chest: after.scores.chest, distance: after.scores.distance } } : {}),
    };
  } catch (thrown) {
    return { ...base, error: asCxrError(thrown).toJSON() };
  }
}

export function renderInfer(results: InferResult[], reason: string): string {
  const lines = [`runtime: ${reason}`];
  for (const r of results) {
    if (r.error) {
      lines.push(`${r.file}: ERROR ${r.error.code}: ${r.error.message}`);
      continue;
    }
    const probs = Object.entries(r.probabilities ?? {})
      .map(([name, p]) => `${name} ${p.toFixed(3)}${r.flags?.includes(name) ? '*' : ''}`)
      .join(' | ');
    const flags = r.flags?.length ? r.flags.join(', ') : 'none';
    const gate = r.gate ? `, gate ${r.gate.chest?.toFixed(3)} / distance ${r.gate.distance?.toFixed(2)}` : '';
    lines.push(`${r.file}: ${probs}  flags: ${flags}  (${r.runtime}, model ${r.modelVersion}, ${r.ms} ms${gate})`);
  }
  return lines.join('\n');
}

async function run(files: string[], options: InferOptions): Promise<{ results: InferResult[]; reason: string }> {
  const trusted = await readTrustedKeys(options.trust);
  const { pkg, cleanup } = await loadPackageFromPath(options.model, { trustedPublicKeysPem: trusted });
  try {
    const { session, reason } = await openSession(pkg, { runtime: options.runtime, mode: options.mode });
    try {
      await selfTest(session, pkg.manifest);
      const results: InferResult[] = [];
      for (const file of files) results.push(await inferFile(file, pkg, session));
      return { results, reason };
    } finally {
      await session.close();
    }
  } finally {
    await cleanup();
  }
}

const RUNTIMES: RuntimeChoice[] = ['auto', 'openvino', 'onnxruntime'];

export const inferCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('infer')
      .description('screen image files with a signed model package (probabilities, flags, runtime, ms)')
      .argument('<files...>', 'DICOM/PNG/JPEG files')
      .requiredOption('--model <path>', 'model package directory or .tar')
      .addOption(new Option('--runtime <runtime>', 'inference runtime').choices(RUNTIMES).default('auto'))
      .option('--trust <pub.pem>', 'extra trusted publisher public key (repeatable)', collect, [])
      .addOption(
        new Option('--mode <mode>', 'OpenVINO performance hint').choices(['latency', 'throughput']).default('latency'),
      )
      .option('--json', 'print a JSON list, one object per file')
      .action(async (files: string[], options: InferOptions) => {
        let reason = '';
        await runCommand(
          options,
          async () => {
            const ran = await run(files, options);
            reason = ran.reason;
            return ran.results;
          },
          (results) => renderInfer(results, reason),
          (results) => (results.some((r) => r.error) ? 2 : 0),
        );
      });
  },
};
