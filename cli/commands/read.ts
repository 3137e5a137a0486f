/**
 * `cxr read <file...> [--model <package> [--trust <pem>] [--runtime ...]] [--json]`: decode each file as the agent's
 * reader would and describe it: format, transfer syntax, tags, geometry, sha256 of the file, chest verdict from
 * the tags, the view (frontal / lateral / unknown, from View Position) and pixel statistics. With `--model`, also
 * the package's not-a-chest gate (models/package/chest-gate.ts): accepted, or refused with its code and reason.
 * Never prints PHI (no patient ID, no UIDs). Exit 2 if any file could not be read or was refused, else 0.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { asCxrError } from '../../models/errors.ts';
import { TRANSFER_SYNTAX_NAMES } from '../../models/image/dicom/transfer-syntaxes.ts';
import { imageError } from '../../models/image/image-errors.ts';
import { type PixelStats, pixelStats, textureStats } from '../../models/image/image-stats.ts';
import { readImage } from '../../models/image/read-image.ts';
import { type ViewKind, viewOfMeta } from '../../models/image/view-projection.ts';
import { type GateScores, inputGate } from '../../models/package/chest-gate.ts';
import { outputGateOriented, runOn } from '../../models/package/film-orientation.ts';
import type { ModelPackage } from '../../models/package/load-package.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { InferenceSession, RuntimeChoice } from '../../models/runtime/types.ts';
import { collect, runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

export interface ReadReport {
  file: string;
  format?: string;
  transferSyntax?: string;
  transferSyntaxName?: string;
  modality?: string;
  bodyPart?: string;
  viewPosition?: string;
  photometric?: string;
  rows?: number;
  cols?: number;
  bitsStored?: number;
  sha256?: string;
  isChest?: boolean;
  notChestReason?: string;
  view?: ViewKind;
  /** The tag that said the view and what it said ("Patient Orientation A\\F"). */
  viewFrom?: string;
  /** With --model: the package's gate verdict. */
  gate?: { ok: boolean; code?: string; reason?: string; scores: GateScores };
  stats?: PixelStats;
  decodeMs?: number;
  error?: { code: string; message: string };
}

interface Gatekeeper {
  pkg: ModelPackage;
  session: InferenceSession;
}

async function gateOf(image: Awaited<ReturnType<typeof readImage>>, g: Gatekeeper): Promise<ReadReport['gate']> {
  const before = inputGate(g.pkg.manifest, image, textureStats(image.pixels, image.cols, image.rows));
  if (!before.ok) return { ok: false, code: before.code, reason: before.reason, scores: before.scores };
  const input = preprocess(image, g.pkg.manifest.input);
  const [output] = await g.session.infer([input]);
  const after = await outputGateOriented(g.pkg.manifest, image, input, output!, runOn(g.session));
  const scores = { ...before.scores, ...after.scores };
  return after.ok ? { ok: true, scores } : { ok: false, code: after.code, reason: after.reason, scores };
}

async function readOne(file: string, gatekeeper?: Gatekeeper): Promise<ReadReport> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code ?? 'unknown';
    return { file, error: imageError('CXR_ERR_FILE_UNREADABLE', `the file could not be read (${code})`).toJSON() };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const started = performance.now();
  try {
    const image = await readImage(bytes);
    const { meta } = image;
    const view = viewOfMeta(meta);
    return {
      file,
      format: image.format,
      transferSyntax: meta.transferSyntax,
      transferSyntaxName: meta.transferSyntax ? (TRANSFER_SYNTAX_NAMES[meta.transferSyntax] ?? 'unknown') : undefined,
      modality: meta.modality,
      bodyPart: meta.bodyPart,
      viewPosition: meta.viewPosition,
      photometric: meta.photometric,
      rows: image.rows,
      cols: image.cols,
      bitsStored: meta.bitsStored,
      sha256,
      isChest: image.isChest,
      notChestReason: image.notChestReason,
      view: view.kind,
      ...(view.kind !== 'unknown' ? { viewFrom: `${view.source} ${view.said}` } : {}),
      ...(gatekeeper ? { gate: await gateOf(image, gatekeeper) } : {}),
      stats: pixelStats(image.pixels),
      decodeMs: Math.round((performance.now() - started) * 10) / 10,
    };
  } catch (thrown) {
    return { file, sha256, error: asCxrError(thrown).toJSON() };
  }
}

const f3 = (x: number): string => x.toFixed(3);

interface ReadCliOptions {
  json?: boolean;
  model?: string;
  trust: string[];
  runtime: RuntimeChoice;
}

export function renderReport(r: ReadReport): string {
  if (r.error) return `${r.file}: ERROR ${r.error.code}: ${r.error.message}`;
  const tags = [r.modality ?? '-', r.bodyPart ?? '-', r.viewPosition ?? '-'].join(' ');
  const syntax = r.transferSyntax ? `${r.transferSyntaxName} (${r.transferSyntax})` : '-';
  const chest = `${r.isChest ? 'chest: yes (tags)' : `chest: NO (tags: ${r.notChestReason})`}  view: ${r.view}`;
  const gate = r.gate ? [`  gate: ${r.gate.ok ? 'accepted' : `REFUSED ${r.gate.code}: ${r.gate.reason}`}`] : [];
  const stats = r.stats ? `min ${f3(r.stats.min)} max ${f3(r.stats.max)} mean ${f3(r.stats.mean)}` : '';
  return [
    `${r.file}`,
    `  ${r.format?.toUpperCase()} ${r.cols}x${r.rows} ${r.bitsStored}-bit ${r.photometric ?? ''}  syntax: ${syntax}`,
    `  modality/body part/view: ${tags}  ${chest}`,
    ...gate,
    `  pixels [0,1]: ${stats}  decoded in ${r.decodeMs} ms`,
    `  sha256 ${r.sha256}`,
  ].join('\n');
}

export const readCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('read')
      .description('decode DICOM/PNG/JPEG files as the agent would and describe them (no PHI printed)')
      .argument('<file...>', 'files to read (format is told from the bytes, not the extension)')
      .option('--model <path>', "also run this model package's not-a-chest gate")
      .option('--trust <pub.pem>', 'extra trusted publisher public key (repeatable)', collect, [])
      .addOption(
        new Option('--runtime <runtime>', 'runtime for the gate')
          .choices(['auto', 'openvino', 'onnxruntime'])
          .default('auto'),
      )
      .option('--json', 'print a JSON list, one object per file')
      .action(async (files: string[], options: ReadCliOptions) => {
        await runCommand(
          options,
          async () => {
            const reports: ReadReport[] = [];
            if (!options.model) {
              for (const file of files) reports.push(await readOne(file));
              return reports;
            }
            const trusted = await readTrustedKeys(options.trust);
            const { pkg, cleanup } = await loadPackageFromPath(options.model, { trustedPublicKeysPem: trusted });
            try {
              const { session } = await openSession(pkg, { runtime: options.runtime });
              try {
                for (const file of files) reports.push(await readOne(file, { pkg, session }));
              } finally {
                await session.close();
              }
            } finally {
              await cleanup();
            }
            return reports;
          },
          (reports) => reports.map(renderReport).join('\n'),
          (reports) => (reports.some((r) => r.error || r.gate?.ok === false) ? 2 : 0),
        );
      });
  },
};
