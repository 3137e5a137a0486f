/**
 * The gate's check for films the wrong way round that it passes (models/package/film-orientation.ts,
 * passedWrongWay), measured on a split's films as they are, turned 90° clockwise and anticlockwise, upside down and
 * saved as negatives (docs/trainer.md, "Not-a-chest gate", stage 6). Per image: the gate head on the image (after the
 * pixel rules) and on each of its 4 copies put right (0 for a copy the gate refuses). Printed per form: images,
 * passed by the gate, probed (head below WRONG_WAY_PROBE_BELOW), named as a film the wrong way round, and for
 * choosing the limits (validation only): the highest head a passing image has and the lowest and highest gain of its
 * best copy over it. Not-a-chest images can be given with --files (PNG folders): none should be named.
 *
 *   node --import tsx trainer/experiments/wrong-way-films.ts --cache var/cache-2site --split val \
 *     --model models/baseline [--files var/negatives]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { textureStats } from '../../models/image/image-stats.ts';
import { readImage, readImageFile } from '../../models/image/read-image.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import { inputGate, outputGate } from '../../models/package/chest-gate.ts';
import {
  ORIENTATION_MIN_CHEST,
  ORIENTATIONS,
  runOn,
  uprightCopy,
  WRONG_WAY_MIN_GAIN,
  WRONG_WAY_PROBE_BELOW,
} from '../../models/package/film-orientation.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { preprocess, resizeGeometry } from '../../models/preprocess/preprocess.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { csvRecords } from '../data/csv.ts';

const { values: args } = parseArgs({
  options: {
    cache: { type: 'string' },
    split: { type: 'string', default: 'val' },
    model: { type: 'string' },
    files: { type: 'string', multiple: true, default: [] },
    trust: { type: 'string', multiple: true, default: [] },
  },
});
if (!args.cache || !args.model) {
  throw new Error('usage: wrong-way-films.ts --cache <dir> --split val|test --model <package> [--files <png folder>]');
}
const cache = resolve(args.cache);

const { pkg, cleanup } = await loadPackageFromPath(resolve(args.model), {
  trustedPublicKeysPem: await readTrustedKeys(args.trust),
});
const { session } = await openSession(pkg, { runtime: 'auto' });
const manifest = pkg.manifest;
const run = runOn(session);

/** The gate head on the image and the best of its 4 copies put right; undefined when the pixel rules refuse it. */
async function heads(image: DecodedImage): Promise<{ passed: boolean; chest: number; best: number } | undefined> {
  if (!inputGate(manifest, image, textureStats(image.pixels, image.cols, image.rows)).ok) return undefined;
  const input = preprocess(image, manifest.input);
  const verdict = outputGate(manifest, await run(input));
  const placed = resizeGeometry(image.cols, image.rows, manifest.input, input.content);
  let best = 0;
  for (const how of ORIENTATIONS) {
    const copy = outputGate(manifest, await run(uprightCopy(input, how, placed, manifest.input)));
    if (copy.ok) best = Math.max(best, copy.scores.chest ?? 0);
  }
  return { passed: verdict.ok, chest: verdict.scores.chest ?? 0, best };
}

const named = (h: { chest: number; best: number }) =>
  h.chest < WRONG_WAY_PROBE_BELOW && h.best >= Math.max(ORIENTATION_MIN_CHEST, h.chest + WRONG_WAY_MIN_GAIN);

async function measure(form: string, images: AsyncIterable<DecodedImage>) {
  let count = 0;
  const passed: { chest: number; best: number }[] = [];
  for await (const image of images) {
    count++;
    const h = await heads(image);
    if (h?.passed) passed.push(h);
  }
  const probed = passed.filter((h) => h.chest < WRONG_WAY_PROBE_BELOW);
  const gains = passed.map((h) => h.best - h.chest);
  return {
    form,
    images: count,
    passedGate: passed.length,
    probed: probed.length,
    namedWrongWay: passed.filter(named).length,
    highestHead: Math.max(...passed.map((h) => h.chest)),
    lowestGain: Math.min(...gains),
    highestGain: Math.max(...gains),
  };
}

const films = csvRecords(readFileSync(join(cache, `${args.split}.csv`), 'utf8')).map((r) => resolve(cache, r.file!));
async function* asTheyAre(paths: string[]) {
  for (const path of paths) yield await readImageFile(path);
}
/** The films as a clinic might send them the wrong way round (each is put right by one of the 4 copies). */
const WRONG_WAYS: Record<string, (film: Sharp) => Sharp> = {
  'turned 90° clockwise': (f) => f.rotate(90),
  'turned 90° anticlockwise': (f) => f.rotate(270),
  'upside down': (f) => f.rotate(180),
  'saved as negatives': (f) => f.negate({ alpha: false }),
};
async function* wrongWay(paths: string[], make: (film: Sharp) => Sharp) {
  for (const path of paths) yield await readImage(await make(sharp(path).greyscale()).png().toBuffer());
}
const notChest = args.files.flatMap((dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.png$/i.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort(),
);

try {
  const rows = [await measure(`${args.split} films as they are`, asTheyAre(films))];
  for (const [form, make] of Object.entries(WRONG_WAYS)) {
    rows.push(await measure(`${args.split} films ${form}`, wrongWay(films, make)));
  }
  if (notChest.length) rows.push(await measure('not-a-chest images (--files)', asTheyAre(notChest)));
  process.stdout.write(`${JSON.stringify({ model: manifest.version, rows }, null, 1)}\n`);
} finally {
  await session.close();
  await cleanup();
}
