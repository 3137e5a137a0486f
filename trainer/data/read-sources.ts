/**
 * Reads a labelled image list from one of three layouts (I/O edge; the parsing is in csv.ts):
 * - a labels CSV `file,label[,patient_id][,site]`, paths relative to the CSV (the NIH sample format); the site
 *   is the `site` (or `source`) column, else the name of the folder holding the CSV;
 * - the RSNA 2018 layout: `stage_2_detailed_class_info.csv` (patientId,class) + `stage_2_train_images/*.dcm`,
 *   mapped to the seed's three classes with one label per patient (the first row; RSNA repeats a patient's
 *   class once per box, always with the same class);
 * - class-per-folder: `<root>/<class name>/<image>`.
 * Several sources are merged by `readDatasets` (one class list, the seed's order first).
 * Bad layouts throw CXR_ERR_DATASET_INVALID (kind input).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import { csvRecords } from './csv.ts';
import { type LabelledImage, type LabelledSet, SEED_CLASSES } from './dataset-types.ts';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.dcm', '.dicom', '']);

function invalid(message: string, cause?: unknown): CxrError {
  return new CxrError('CXR_ERR_DATASET_INVALID', message, { kind: 'input', cause });
}

/** Class order: the seed's classes first (in the seed's order) when present, then the rest sorted. */
export function orderClasses(names: Iterable<string>): string[] {
  const set = new Set(names);
  const seed = SEED_CLASSES.filter((c) => set.has(c));
  return [...seed, ...[...set].filter((c) => !seed.includes(c as never)).sort()];
}

/** Label index for rows whose class the given class list lacks, when `unknown: 'other'`: negative for every class. */
export const OTHER_LABEL = -1;

export interface CsvReadOptions {
  /** A row with a class outside `classes`: an error (default), or OTHER_LABEL (evaluation of a model). */
  unknown?: 'throw' | 'other';
}

export async function readLabelsCsv(
  csvPath: string,
  classes?: string[],
  options: CsvReadOptions = {},
): Promise<LabelledSet> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (cause) {
    throw invalid(`cannot read labels CSV ${csvPath}`, cause);
  }
  const records = csvRecords(text);
  if (records.length === 0 || !('file' in records[0]!) || !('label' in records[0]!)) {
    throw invalid('labels CSV needs a header with at least `file,label` (optional `patient_id`)');
  }
  const base = dirname(resolve(csvPath));
  const folderSite = basename(base);
  const order = classes ?? orderClasses(records.map((r) => r.label!));
  const items: LabelledImage[] = records.map((r, i) => {
    let label = order.indexOf(r.label!);
    if (label < 0 && options.unknown !== 'other') throw invalid(`row ${i + 2}: unknown class '${r.label}'`);
    if (label < 0) label = OTHER_LABEL;
    const path = resolve(base, r.file!);
    const site = r.site || r.source || folderSite;
    return { path, label, patientId: r.patient_id || r.patientId || path, site };
  });
  return { classes: order, items, source: 'labels-csv' };
}

export async function readRsna2018(root: string): Promise<LabelledSet> {
  const info = join(root, 'stage_2_detailed_class_info.csv');
  const images = join(root, 'stage_2_train_images');
  if (!existsSync(info) || !existsSync(images)) {
    throw invalid(`RSNA layout needs ${info} and ${images}/`);
  }
  const records = csvRecords(await readFile(info, 'utf8'));
  const byPatient = new Map<string, string>();
  for (const r of records) if (r.patientId && !byPatient.has(r.patientId)) byPatient.set(r.patientId, r.class ?? '');
  const classes = [...SEED_CLASSES];
  const items: LabelledImage[] = [];
  for (const [patientId, cls] of byPatient) {
    const label = classes.indexOf(cls as (typeof SEED_CLASSES)[number]);
    if (label < 0) throw invalid(`RSNA class '${cls}' is not one of the seed's classes`);
    items.push({ path: join(images, `${patientId}.dcm`), label, patientId, site: 'rsna-2018' });
  }
  return { classes, items, source: 'rsna-2018' };
}

export async function readClassFolders(root: string): Promise<LabelledSet> {
  const entries = await readdir(root, { withFileTypes: true }).catch((cause) => {
    throw invalid(`cannot list ${root}`, cause);
  });
  const classes = orderClasses(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  if (classes.length < 2) throw invalid(`class-per-folder layout needs at least 2 class folders in ${root}`);
  const items: LabelledImage[] = [];
  for (const [label, cls] of classes.entries()) {
    for (const name of (await readdir(join(root, cls))).sort()) {
      if (!IMAGE_EXT.has(extname(name).toLowerCase())) continue;
      const path = join(root, cls, name);
      items.push({ path, label, patientId: path, site: basename(resolve(root)) });
    }
  }
  return { classes, items, source: 'class-folders' };
}

/** Several sources as one set: the union of their classes (seed order first), labels re-indexed. */
export async function readDatasets(sources: readonly string[]): Promise<LabelledSet> {
  if (sources.length === 0) throw invalid('no dataset given');
  const sets = await Promise.all(sources.map((s) => readDataset(s)));
  if (sets.length === 1) return sets[0]!;
  const classes = orderClasses(sets.flatMap((s) => s.classes));
  const items = sets.flatMap((s) => s.items.map((it) => ({ ...it, label: classes.indexOf(s.classes[it.label]!) })));
  return { classes, items, source: sets.map((s) => s.source).join('+') };
}

/** Detects the layout of `source` (a CSV file, an RSNA root or a class-folder root). */
export async function readDataset(source: string): Promise<LabelledSet> {
  const info = await stat(source).catch((cause) => {
    throw invalid(`dataset ${source} does not exist`, cause);
  });
  if (info.isFile()) return readLabelsCsv(source);
  if (existsSync(join(source, 'stage_2_detailed_class_info.csv'))) return readRsna2018(source);
  if (existsSync(join(source, 'labels.csv'))) return readLabelsCsv(join(source, 'labels.csv'));
  return readClassFolders(source);
}
