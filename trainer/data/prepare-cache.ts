/**
 * `cxr train prepare`: reads one or more datasets (sites), splits them by patient and caches the pixels.
 * In: dataset sources (see read-sources.ts), split options, a cache dir, resolutions; classes with fewer than
 * `minClassImages` images are dropped with their images (recorded in index.json as `dropped`).
 * Out: `<cache>/index.json` (classes, sites, splits with labels), `<cache>/{train,val,test}.csv` (labels CSVs
 * `file,label,patient_id,site` for `cxr eval`) and `<cache>/r<R>.f32` per resolution: every
 * image of train, val, test (in index order) through models/preprocess `preprocess()` (the agent's exact
 * code) with mean 0 / std 1, i.e. [0,1] pixels at R x R; normalisation is applied at training time with the
 * train-split statistics and then stored in the manifest, so the agent reproduces it exactly.
 * Unreadable images throw CXR_ERR_DATASET_INVALID naming the split index (never the path: may be PHI).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CxrError } from '../../models/errors.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import type { InputSpec } from '../../models/preprocess/input-spec.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import type { LabelledImage, SplitName } from './dataset-types.ts';
import { patientSplit, type SplitOptions } from './patient-split.ts';
import { readDatasets } from './read-sources.ts';

export const SPLITS: SplitName[] = ['train', 'val', 'test'];

export interface CacheIndex {
  formatVersion: 1;
  classes: string[];
  source: string;
  /** Sites in sorted order (one per source unless the CSVs say otherwise). */
  sites: string[];
  split: SplitOptions;
  splits: Record<SplitName, LabelledImage[]>;
  counts: Record<SplitName, number[]>;
  /** Per site: images per class in each split. */
  countsBySite: Record<string, Record<SplitName, number[]>>;
  patients: Record<SplitName, number>;
  /** Classes left out for having too few images, with how many images went with them. */
  dropped: { name: string; images: number }[];
  /** The black-margin cut the cached pixels were made with (InputSpec.blackMarginCut); absent: the legacy 0.15. */
  blackMarginCut?: number;
}

export interface PrepareOptions extends SplitOptions {
  /** Classes with fewer images than this are dropped, with their images (default 0: keep all). */
  minClassImages?: number;
}

/** Sites of an index written before sites existed: one site named after the source. */
export function sitesOf(index: CacheIndex): string[] {
  return index.sites ?? [index.source];
}

/** The black-margin cut of caches prepared now, and so of the models trained on them (content-box.ts). */
export const BLACK_MARGIN_CUT = 0.05;

/** The cache's preprocessing: [0,1] pixels (mean 0, std 1) at the resolution, with the index's margin cut. */
export function cacheSpec(resolution: number, index: Pick<CacheIndex, 'blackMarginCut'>): InputSpec {
  return {
    size: resolution,
    channels: 1,
    mean: 0,
    std: 1,
    resize: 'letterbox',
    padValue: 0,
    layout: 'NCHW',
    ...(index.blackMarginCut ? { blackMarginCut: index.blackMarginCut } : {}),
  };
}

export async function prepareIndex(
  sources: string | readonly string[],
  cacheDir: string,
  options: PrepareOptions,
): Promise<CacheIndex> {
  const read = await readDatasets(typeof sources === 'string' ? [sources] : sources);
  const min = options.minClassImages ?? 0;
  const sizes = read.classes.map((_, c) => read.items.filter((i) => i.label === c).length);
  const classes = read.classes.filter((_, c) => sizes[c]! >= min);
  const dropped = read.classes.flatMap((name, c) => (sizes[c]! < min ? [{ name, images: sizes[c]! }] : []));
  const items = read.items
    .filter((i) => sizes[i.label]! >= min)
    .map((i) => ({ ...i, label: classes.indexOf(read.classes[i.label]!) }));
  const set = { ...read, classes, items };
  const split: SplitOptions = { val: options.val, test: options.test, seed: options.seed };
  const { splits } = patientSplit(set.classes, set.items, split);
  const count = (items: LabelledImage[]) => set.classes.map((_, c) => items.filter((i) => i.label === c).length);
  const sites = [...new Set(set.items.map((i) => i.site))].sort();
  const countsBySite = Object.fromEntries(
    sites.map((site) => {
      const of = (s: SplitName) => count(splits[s].filter((i) => i.site === site));
      return [site, { train: of('train'), val: of('val'), test: of('test') }];
    }),
  );
  const index: CacheIndex = {
    formatVersion: 1,
    classes: set.classes,
    source: set.source,
    sites,
    split,
    splits,
    counts: { train: count(splits.train), val: count(splits.val), test: count(splits.test) },
    countsBySite,
    dropped,
    blackMarginCut: BLACK_MARGIN_CUT,
    patients: {
      train: new Set(splits.train.map((i) => i.patientId)).size,
      val: new Set(splits.val.map((i) => i.patientId)).size,
      test: new Set(splits.test.map((i) => i.patientId)).size,
    },
  };
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  // One labels CSV per split (paths relative to the CSV), for `cxr eval --labels <cache>/test.csv`.
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  for (const s of SPLITS) {
    const rows = splits[s].map((i) =>
      [relative(cacheDir, i.path), set.classes[i.label]!, i.patientId, i.site].map(quote).join(','),
    );
    await writeFile(join(cacheDir, `${s}.csv`), `file,label,patient_id,site\n${rows.join('\n')}\n`);
  }
  return index;
}

export async function readIndex(cacheDir: string): Promise<CacheIndex> {
  try {
    return JSON.parse(await readFile(join(cacheDir, 'index.json'), 'utf8')) as CacheIndex;
  } catch (cause) {
    throw new CxrError('CXR_ERR_DATASET_INVALID', `no prepared dataset in ${cacheDir} (run cxr train prepare)`, {
      cause,
    });
  }
}

/** Pixels of every image, split by split, at `resolution` (built once, then read from the cache file). */
export async function loadPixels(
  cacheDir: string,
  index: CacheIndex,
  resolution: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Record<SplitName, Float32Array>> {
  const file = join(cacheDir, `r${resolution}.f32`);
  const plane = resolution * resolution;
  const total = SPLITS.reduce((n, s) => n + index.splits[s].length, 0);
  let all: Float32Array;
  if (existsSync(file)) {
    const bytes = await readFile(file);
    all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (all.length !== total * plane)
      throw new CxrError('CXR_ERR_DATASET_INVALID', `${file} does not match index.json`);
  } else {
    all = new Float32Array(total * plane);
    const spec = cacheSpec(resolution, index);
    let k = 0;
    for (const s of SPLITS) {
      for (const [i, item] of index.splits[s].entries()) {
        try {
          const image = await readImageFile(item.path);
          all.set(preprocess(image, spec).data, k * plane);
        } catch (cause) {
          throw new CxrError('CXR_ERR_DATASET_INVALID', `${s} image #${i} cannot be read`, { cause });
        }
        k++;
        onProgress?.(k, total);
      }
    }
    await writeFile(file, new Uint8Array(all.buffer));
  }
  const out = {} as Record<SplitName, Float32Array>;
  let offset = 0;
  for (const s of SPLITS) {
    const n = index.splits[s].length * plane;
    out[s] = all.subarray(offset, offset + n);
    offset += n;
  }
  return out;
}
