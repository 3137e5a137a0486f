/**
 * The gate's inverted check for images it passes (models/package/film-orientation.ts, passedInverted), measured on
 * a split's films as they are and saved as negatives (docs/trainer.md, "Not-a-chest gate", stage 6). Per image: the
 * gate head on the image (after the pixel rules) and on its inverted model input. Printed per form: images, passed
 * by the gate, probed (head below INVERTED_PROBE_BELOW), named inverted; and for choosing the limits (validation
 * only): the highest head a passing negative has, the lowest gain its inverted copy has over it, and the highest gain
 * a film as it is has. Not-a-chest images can be given with --files (PNG folders): none should be named.
 *
 *   node --import tsx trainer/experiments/inverted-films.ts --cache var/cache-2site --split val \
 *     --model models/baseline [--files var/negatives]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { textureStats } from '../../models/image/image-stats.ts';
import { readImage, readImageFile } from '../../models/image/read-image.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import { inputGate, outputGate } from '../../models/package/chest-gate.ts';
import {
  INVERTED_MIN_GAIN,
  INVERTED_PROBE_BELOW,
  ORIENTATION_MIN_CHEST,
  runOn,
  uprightCopy,
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
  throw new Error('usage: inverted-films.ts --cache <dir> --split val|test --model <package> [--files <png folder>]');
}
const cache = resolve(args.cache);

const { pkg, cleanup } = await loadPackageFromPath(resolve(args.model), {
  trustedPublicKeysPem: await readTrustedKeys(args.trust),
});
const { session } = await openSession(pkg, { runtime: 'auto' });
const manifest = pkg.manifest;
const run = runOn(session);

/** The gate head on the image and on its inverted copy; undefined when the pixel rules refuse it first. */
async function heads(image: DecodedImage): Promise<{ passed: boolean; chest: number; inverted: number } | undefined> {
  if (!inputGate(manifest, image, textureStats(image.pixels, image.cols, image.rows)).ok) return undefined;
  const input = preprocess(image, manifest.input);
  const verdict = outputGate(manifest, await run(input));
  const placed = resizeGeometry(image.cols, image.rows, manifest.input, input.content);
  const copy = outputGate(manifest, await run(uprightCopy(input, 'inverted', placed, manifest.input)));
  return { passed: verdict.ok, chest: verdict.scores.chest ?? 0, inverted: copy.ok ? (copy.scores.chest ?? 0) : 0 };
}

const named = (h: { chest: number; inverted: number }) =>
  h.chest < INVERTED_PROBE_BELOW && h.inverted >= Math.max(ORIENTATION_MIN_CHEST, h.chest + INVERTED_MIN_GAIN);

async function measure(form: string, images: AsyncIterable<DecodedImage>) {
  let count = 0;
  const passed: { chest: number; inverted: number }[] = [];
  for await (const image of images) {
    count++;
    const h = await heads(image);
    if (h?.passed) passed.push(h);
  }
  const probed = passed.filter((h) => h.chest < INVERTED_PROBE_BELOW);
  const gains = passed.map((h) => h.inverted - h.chest);
  return {
    form,
    images: count,
    passedGate: passed.length,
    probed: probed.length,
    namedInverted: passed.filter(named).length,
    highestHead: Math.max(...passed.map((h) => h.chest)),
    lowestGain: Math.min(...gains),
    highestGain: Math.max(...gains),
  };
}

const films = csvRecords(readFileSync(join(cache, `${args.split}.csv`), 'utf8')).map((r) => resolve(cache, r.file!));
async function* asTheyAre(paths: string[]) {
  for (const path of paths) yield await readImageFile(path);
}
async function* asNegatives(paths: string[]) {
  for (const path of paths) {
    const negative = await sharp(path).greyscale().negate({ alpha: false }).png().toBuffer();
    yield await readImage(negative);
  }
}
const notChest = args.files.flatMap((dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.png$/i.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort(),
);

try {
  const rows = [
    await measure(`${args.split} films as they are`, asTheyAre(films)),
    await measure(`${args.split} films saved as negatives`, asNegatives(films)),
    ...(notChest.length ? [await measure('not-a-chest images (--files)', asTheyAre(notChest))] : []),
  ];
  process.stdout.write(`${JSON.stringify({ model: manifest.version, rows }, null, 1)}\n`);
} finally {
  await session.close();
  await cleanup();
}
