/**
 * Real chest films in the forms they reach a clinic's folder, through a package's not-a-chest gate (docs/trainer.md,
 * "Not-a-chest gate"; figures in models/baseline/README.md). Every image here is a real frontal chest film: each
 * refusal is a wrongly refused film. In: the prepared cache (its val/test CSVs), a package, other chest files.
 * - val-*: every eighth validation film in unusual forms (small, JPEG quality 30, 16-bit, mirrored, black borders of
 *   5 % and 10 %, a white border of 10 % — a scan or figure on white paper —, black side bars of 20 % of the width,
 *   a blurred "photographed" JPEG, turned 90°, inverted). The gate's limits may be chosen on these.
 * - test-*: JPEG copies of 40 test films (20 per site; quality 80, and a portrait crop of 75 % of the width at
 *   quality 90), and of every tenth test film in five tints (sepia, blue, warm, green, faint: a film photographed on
 *   a light box or scanned in colour). Measured only, never used to choose anything.
 * - other-chest: the files or folders given with --files (chest DICOMs in other transfer syntaxes, full-resolution
 *   films), as they are.
 * Out: `<out>/<kind>/*.{png,jpg}` and `<out>/films.csv` (file,kind; made once, reused), then per package and kind
 * how many are refused, and the refused files (JSON on stdout, `<out>/refused-<version>.json`).
 *
 *   node --import tsx trainer/experiments/gate-on-real-films.ts --cache var/cache-2site --out var/real-films \
 *     --model models/baseline --files ../shared/data/nih-fullres --files ../shared/data/dicom/fo-dicom
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import { csvRecords } from '../data/csv.ts';
import { gateOnNegatives } from '../eval/score-images.ts';

const { values: args } = parseArgs({
  options: {
    cache: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string', multiple: true, default: [] },
    files: { type: 'string', multiple: true, default: [] },
    trust: { type: 'string', multiple: true, default: [] },
  },
});
if (!args.cache || !args.out || args.model.length === 0) {
  throw new Error('usage: gate-on-real-films.ts --cache <dir> --out <dir> --model <package> [--files <file|dir>]');
}
const cache = resolve(args.cache);
const out = resolve(args.out);

type Made = { image: Sharp; ext: 'png' | 'jpg' };
type Variant = (film: Sharp, width: number, height: number) => Made | Promise<Made>;
const png = (image: Sharp) => ({ image: image.png(), ext: 'png' as const });
const jpeg = (image: Sharp, quality: number) => ({ image: image.jpeg({ quality }), ext: 'jpg' as const });
const border = (film: Sharp, px: { top: number; bottom: number; left: number; right: number }, grey: number) =>
  film.extend({ ...px, background: { r: grey, g: grey, b: grey } });
const round = Math.round;

const VAL_VARIANTS: Record<string, Variant> = {
  small: (f, w) => png(f.resize(round(Math.min(200, w)))),
  'jpeg-q30': (f) => jpeg(f, 30),
  '16-bit': (f) => png(f.toColourspace('grey16')),
  mirrored: (f) => png(f.flop()),
  'black-border-5': (f, w, h) => {
    const [x, y] = [round(0.05 * w), round(0.05 * h)];
    return png(border(f, { top: y, bottom: y, left: x, right: x }, 0));
  },
  'black-border-10': (f, w, h) => {
    const [x, y] = [round(0.1 * w), round(0.1 * h)];
    return png(border(f, { top: y, bottom: y, left: x, right: x }, 0));
  },
  'white-border-10': (f, w, h) => {
    const [x, y] = [round(0.1 * w), round(0.1 * h)];
    return png(border(f, { top: y, bottom: y, left: x, right: x }, 255));
  },
  'black-bars-20': (f, w) => png(border(f, { top: 0, bottom: 0, left: round(0.2 * w), right: round(0.2 * w) }, 0)),
  photographed: (f) => jpeg(f.blur(2).gamma(1.4), 70),
  'rotated-90': (f) => png(f.rotate(90)),
  inverted: (f) => png(f.negate({ alpha: false })),
};

/** Per-channel gains of a grey film seen through a tint (R, G, B). */
const TINTS: Record<string, [number, number, number]> = {
  sepia: [1, 0.84, 0.64],
  blue: [0.72, 0.86, 1],
  warm: [1, 0.93, 0.83],
  green: [0.84, 1, 0.86],
  faint: [1, 0.98, 0.95],
};

const TEST_VARIANTS: Record<string, Variant> = {
  'jpeg-q80': (f) => jpeg(f, 80),
  'jpeg-portrait': (f, w, h) =>
    jpeg(f.extract({ left: round(0.125 * w), top: 0, width: round(0.75 * w), height: h }), 90),
  ...Object.fromEntries(
    Object.entries(TINTS).map(([name, gains]): [string, Variant] => [
      `tint-${name}`,
      async (f) => {
        const { data, info } = await f.raw().toBuffer({ resolveWithObject: true });
        const rgb = Buffer.alloc(info.width * info.height * 3);
        for (let i = 0; i < info.width * info.height; i++) {
          for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round((data[i] ?? 0) * gains[c]!);
        }
        return jpeg(sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } }), 90);
      },
    ]),
  ),
};

function filmsOf(split: string): { path: string; site: string }[] {
  return csvRecords(readFileSync(join(cache, `${split}.csv`), 'utf8')).map((r) => ({
    path: resolve(cache, r.file ?? ''),
    site: r.site ?? '',
  }));
}

async function writeVariant(kind: string, film: string, variant: Variant): Promise<{ file: string; kind: string }> {
  const meta = await sharp(film).metadata();
  const { image, ext } = await variant(sharp(film).greyscale(), meta.width ?? 0, meta.height ?? 0);
  mkdirSync(join(out, kind), { recursive: true });
  const file = join(out, kind, `${basename(film).replace(/\.\w+$/, '')}.${ext}`);
  await image.toFile(file);
  return { file, kind };
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(dcm|png|jpe?g)$/i.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function makeFilms(): Promise<{ file: string; kind: string }[]> {
  const rows: { file: string; kind: string }[] = [];
  const val = filmsOf('val').filter((_, i) => i % 8 === 0);
  for (const [name, variant] of Object.entries(VAL_VARIANTS)) {
    for (const film of val) rows.push(await writeVariant(`val-${name}`, film.path, variant));
  }
  const test = filmsOf('test');
  const perSite = [...new Set(test.map((f) => f.site))].flatMap((site) => {
    const films = test.filter((f) => f.site === site);
    const step = Math.max(1, Math.floor(films.length / 20));
    return films.filter((_, i) => i % step === 0).slice(0, 20);
  });
  for (const name of ['jpeg-q80', 'jpeg-portrait']) {
    for (const film of perSite) rows.push(await writeVariant(`test-${name}`, film.path, TEST_VARIANTS[name]!));
  }
  const tenth = test.filter((_, i) => i % 10 === 0);
  for (const name of Object.keys(TINTS)) {
    for (const film of tenth)
      rows.push(await writeVariant(`test-tint-${name}`, film.path, TEST_VARIANTS[`tint-${name}`]!));
  }
  for (const path of args.files.flatMap((p) => filesUnder(resolve(p)))) rows.push({ file: path, kind: 'other-chest' });
  return rows;
}

const csv = join(out, 'films.csv');
let films: { file: string; kind: string }[];
if (existsSync(csv)) {
  films = csvRecords(readFileSync(csv, 'utf8')).map((r) => ({ file: r.file ?? '', kind: r.kind ?? '' }));
} else {
  mkdirSync(out, { recursive: true });
  films = await makeFilms();
  writeFileSync(csv, `file,kind\n${films.map((f) => `${f.file},${f.kind}`).join('\n')}\n`);
}

const results: Record<string, unknown> = {};
for (const model of args.model) {
  const { pkg, cleanup } = await loadPackageFromPath(resolve(model), {
    trustedPublicKeysPem: await readTrustedKeys(args.trust),
  });
  const { session } = await openSession(pkg, { runtime: 'auto' });
  try {
    const { byKind, passed } = await gateOnNegatives(
      films.map((f) => ({ path: f.file, kind: f.kind })),
      pkg.manifest,
      session,
    );
    const accepted = new Set(passed);
    const refused = films.filter((f) => !accepted.has(f.file)).map((f) => f.file);
    const version = pkg.manifest.version;
    writeFileSync(join(out, `refused-${version}.json`), `${JSON.stringify(refused, null, 1)}\n`);
    results[version] = Object.fromEntries(
      Object.entries(byKind).map(([kind, n]) => {
        const turned = n.codes.CXR_ERR_FILM_ORIENTATION;
        return [kind, `${n.refused}/${n.images} refused${turned ? `, ${turned} as a film turned or inverted` : ''}`];
      }),
    );
  } finally {
    await session.close();
    await cleanup();
  }
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
