/**
 * `cxr read <file...> [--json]`: decode each file as the agent's reader would and describe it:
 * format, transfer syntax, tags, geometry, sha256 of the file, chest verdict and pixel statistics.
 * Never prints PHI (no patient ID, no UIDs). Exit 2 if any file could not be read, else 0.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { asCxrError } from '../../models/errors.ts';
import { TRANSFER_SYNTAX_NAMES } from '../../models/image/dicom/transfer-syntaxes.ts';
import { imageError } from '../../models/image/image-errors.ts';
import { type PixelStats, pixelStats } from '../../models/image/image-stats.ts';
import { readImage } from '../../models/image/read-image.ts';
import { runCommand } from '../output.ts';
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
  stats?: PixelStats;
  decodeMs?: number;
  error?: { code: string; message: string };
}

async function readOne(file: string): Promise<ReadReport> {
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
      stats: pixelStats(image.pixels),
      decodeMs: Math.round((performance.now() - started) * 10) / 10,
    };
  } catch (thrown) {
    return { file, sha256, error: asCxrError(thrown).toJSON() };
  }
}

const f3 = (x: number): string => x.toFixed(3);

export function renderReport(r: ReadReport): string {
  if (r.error) return `${r.file}: ERROR ${r.error.code}: ${r.error.message}`;
  const tags = [r.modality ?? '-', r.bodyPart ?? '-', r.viewPosition ?? '-'].join(' ');
  const syntax = r.transferSyntax ? `${r.transferSyntaxName} (${r.transferSyntax})` : '-';
  const chest = r.isChest ? 'chest: yes' : `chest: NO (${r.notChestReason})`;
  const stats = r.stats ? `min ${f3(r.stats.min)} max ${f3(r.stats.max)} mean ${f3(r.stats.mean)}` : '';
  return [
    `${r.file}`,
    `  ${r.format?.toUpperCase()} ${r.cols}x${r.rows} ${r.bitsStored}-bit ${r.photometric ?? ''}  syntax: ${syntax}`,
    `  modality/body part/view: ${tags}  ${chest}`,
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
      .option('--json', 'print a JSON list, one object per file')
      .action(async (files: string[], options: { json?: boolean }) => {
        await runCommand(
          options,
          async () => {
            const reports: ReadReport[] = [];
            for (const file of files) reports.push(await readOne(file));
            return reports;
          },
          (reports) => reports.map(renderReport).join('\n'),
          (reports) => (reports.some((r) => r.error) ? 2 : 0),
        );
      });
  },
};
