/**
 * `cxr train prepare`: reads a dataset, splits it by patient and caches the preprocessed pixels.
 * In: a dataset source (see read-sources.ts), split options, a cache dir, resolutions.
 * Out: `<cache>/index.json` (classes, splits with labels), `<cache>/{train,val,test}.csv` (labels CSVs for
 * `cxr eval`) and `<cache>/r<R>.f32` per resolution: every
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
import { readDataset } from './read-sources.ts';

export const SPLITS: SplitName[] = ['train', 'val', 'test'];

export interface CacheIndex {
  formatVersion: 1;
  classes: string[];
  source: string;
  split: SplitOptions;
  splits: Record<SplitName, LabelledImage[]>;
  counts: Record<SplitName, number[]>;
  patients: Record<SplitName, number>;
}

export function cacheSpec(resolution: number): InputSpec {
  return { size: resolution, channels: 1, mean: 0, std: 1, resize: 'letterbox', padValue: 0, layout: 'NCHW' };
}

export async function prepareIndex(source: string, cacheDir: string, split: SplitOptions): Promise<CacheIndex> {
  const set = await readDataset(source);
  const { splits } = patientSplit(set.classes, set.items, split);
  const count = (items: LabelledImage[]) => set.classes.map((_, c) => items.filter((i) => i.label === c).length);
  const index: CacheIndex = {
    formatVersion: 1,
    classes: set.classes,
    source: set.source,
    split,
    splits,
    counts: { train: count(splits.train), val: count(splits.val), test: count(splits.test) },
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
      [relative(cacheDir, i.path), set.classes[i.label]!, i.patientId].map(quote).join(','),
    );
    await writeFile(join(cacheDir, `${s}.csv`), `file,label,patient_id\n${rows.join('\n')}\n`);
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
    const spec = cacheSpec(resolution);
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
