/**
 * `cxr train negatives`: gathers not-a-chest-X-ray images for fitting and measuring the gate, from sources that
 * are on this machine with known licences (docs/trainer.md, "Not-a-chest gate"):
 * - synthetic: solid colours, gradients, noise, checkerboards, stripes, shapes (trainer/gate/synthetic-images.ts);
 * - photo: scikit-image's bundled sample photographs (public domain / CC0 ones only, from its PyPI wheel);
 * - screenshot / document: pages rendered by headless Chromium (the hub dashboard, HTML reports, the project's
 *   Markdown docs shown as plain text pages), at several window sizes;
 * - ct, mr, us, nm, other-xray, photo: DICOM files (pydicom's and pydicom-data's test files, the repo's non-chest
 *   samples) decoded by the agent's reader and written as 8-bit PNG; a chest CR found there becomes `chest`;
 *   CT slices also in lung, mediastinum and bone windows, MR/NM/PT also over their full range
 *   (display-windows.ts), as they appear when shown or captured elsewhere;
 * - any kind: folders of ready-made PNG/JPEG/GIF/WebP images (screenshots in another program's manual, wallpapers,
 *   logos, …), their kind given; one larger than the reader takes is shrunk to 2048 px; with `greyCopies`, a colour
 *   image is also written in grey (a photograph printed or captured in grey: the colour rule cannot refuse it, the
 *   model's gate must).
 * Out: `<out>/<kind>/<name>.png` and `<out>/negatives.csv` (file,kind,source,licence). Unreadable or tiny
 * files are skipped; DICOMs with the same pixels (transfer-syntax copies) are written once; files of one name in
 * different folders are all kept (`<name>-2`, …).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, readImageFile } from '../../models/image/read-image.ts';
import { resizeGrey } from '../../models/preprocess/resize-grey.ts';
import { mulberry32 } from '../data/random.ts';
import { displayWindows } from './display-windows.ts';
import { SYNTHETIC_KINDS, syntheticImage } from './synthetic-images.ts';

/** scikit-image sample images whose docstrings state public domain or CC0 (skimage/data/_fetchers.py). */
export const SKIMAGE_PHOTOS: Record<string, string> = {
  'astronaut.png': 'public domain (NASA)',
  'brick.png': 'CC0 (CC0Textures)',
  'camera.png': 'CC0 (Lav Varshney)',
  'cell.png': 'CC0',
  'chelsea.png': 'CC0 (Stefan van der Walt)',
  'coffee.png': 'CC0 (Rachel Michetti)',
  'coins.png': 'no known copyright restrictions',
  'grass.png': 'CC0 (CC0Textures)',
  'gravel.png': 'CC0 (CC0Textures)',
  'horse.png': 'CC0 (Andreas Preuss)',
  'hubble_deep_field.jpg': 'public domain (NASA)',
  'ihc.png': 'no known copyright restrictions',
  'microaneurysms.png': 'CC0 (Andreas Maier)',
  'retina.jpg': 'CC0 1.0 (Häggström)',
  'rocket.jpg': 'public domain (SpaceX)',
  'text.png': 'public domain',
  'clock_motion.png': 'public domain (Stefan van der Walt)',
};

export interface NegativesOptions {
  outDir: string;
  /** Folder holding `skimage/data/` (unpacked from the scikit-image wheel). */
  skimageDir?: string;
  /** Folders searched (recursively) for DICOM files, with the licence that applies and, optionally, their kind. */
  dicomDirs: { dir: string; licence: string; kind?: string }[];
  /** Folders searched (recursively) for PNG/JPEG/GIF/WebP images, all of the given kind. */
  imageDirs?: { dir: string; licence: string; kind: string }[];
  /** Write each colour image of `imageDirs` also as a grey copy (`<name>-grey`). */
  greyCopies?: boolean;
  /** HTML pages to render, with their kind. */
  pages: { path: string; kind: 'screenshot' | 'document'; licence: string }[];
  chromiumPath?: string;
  syntheticPerKind: number;
  seed: number;
}

export interface NegativeRecord {
  file: string;
  kind: string;
  source: string;
  licence: string;
}

const KIND_BY_MODALITY: Record<string, string> = {
  CT: 'ct',
  MR: 'mr',
  US: 'us',
  NM: 'nm',
  PT: 'nm',
  SEG: 'ct',
  CR: 'other-xray',
  DX: 'other-xray',
  RG: 'other-xray',
  XA: 'other-xray',
  RF: 'other-xray',
  MG: 'other-xray',
  PX: 'other-xray',
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Whether an RGB(A) image has any colour (its channels differ somewhere). */
async function inColour(path: string): Promise<boolean> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i + 2 < data.length; i += info.channels) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return true;
  }
  return false;
}

function thumbprint(pixels: Float32Array, w: number, h: number): string {
  const t = resizeGrey(pixels, w, h, 16, 16);
  return createHash('sha256')
    .update(Uint8Array.from(t, (v) => Math.round(v * 32)))
    .digest('hex');
}

export async function buildNegatives(o: NegativesOptions): Promise<NegativeRecord[]> {
  const records: NegativeRecord[] = [];
  const taken = new Set<string>();
  const write = async (kind: string, name: string, png: Buffer, source: string, licence: string) => {
    await mkdir(join(o.outDir, kind), { recursive: true });
    let file = join(kind, `${name}.png`);
    for (let n = 2; taken.has(file); n++) file = join(kind, `${name}-${n}.png`);
    taken.add(file);
    await writeFile(join(o.outDir, file), png);
    records.push({ file, kind, source, licence });
  };
  const rng = mulberry32(o.seed);
  for (const kind of SYNTHETIC_KINDS) {
    for (let i = 0; i < o.syntheticPerKind; i++) {
      const r = syntheticImage(kind, rng);
      const png = await sharp(r.rgb, { raw: { width: r.width, height: r.height, channels: 3 } })
        .png()
        .toBuffer();
      await write(`synthetic-${kind}`, `${kind}-${i}`, png, 'generated', 'generated here (no licence needed)');
    }
  }
  if (o.skimageDir) {
    for (const [name, licence] of Object.entries(SKIMAGE_PHOTOS)) {
      const path = join(o.skimageDir, 'skimage/data', name);
      if (!existsSync(path)) continue;
      const kind = name === 'text.png' ? 'document' : 'photo';
      await write(
        kind,
        `skimage-${basename(name).replace(/\.\w+$/, '')}`,
        await sharp(path).png().toBuffer(),
        `scikit-image 0.25.2 skimage/data/${name}`,
        licence,
      );
    }
  }
  const seen = new Set<string>();
  const greyPng = (pixels: Float32Array, width: number, height: number) =>
    sharp(
      Uint8Array.from(pixels, (v) => Math.round(255 * v)),
      { raw: { width, height, channels: 1 } },
    )
      .png()
      .toBuffer();
  for (const { dir, licence, kind: given } of o.dicomDirs) {
    for (const path of await filesUnder(dir)) {
      const image = await readImageFile(path, { diagnostic: true }).catch(() => undefined);
      if (image?.format !== 'dicom' || image.rows < 32 || image.cols < 32) continue;
      const modality = image.meta.modality ?? '';
      const body = image.meta.bodyPart ?? '';
      const kind = body === 'CHEST' ? 'chest' : (given ?? KIND_BY_MODALITY[modality] ?? 'photo');
      const name = `dicom-${basename(path).replace(/\.\w+$/, '')}`;
      const renders = [
        { suffix: '', pixels: image.pixels },
        ...(kind === 'chest' || !image.diagnostic ? [] : displayWindows(image.diagnostic, modality)).map((w) => ({
          suffix: `-${w.name}`,
          pixels: w.pixels,
        })),
      ];
      for (const { suffix, pixels } of renders) {
        const print = thumbprint(pixels, image.cols, image.rows);
        if (seen.has(print)) continue;
        seen.add(print);
        const png = await greyPng(pixels, image.cols, image.rows);
        const source = `${relative(dir, path)}${suffix ? ` (${suffix.slice(1)} window)` : ''}`;
        await write(kind, `${name}${suffix}`, png, source, licence);
      }
    }
  }
  for (const { dir, licence, kind } of o.imageDirs ?? []) {
    for (const path of await filesUnder(dir)) {
      if (!/\.(png|jpe?g|gif|webp)$/i.test(path)) continue;
      const meta = await sharp(path)
        .metadata()
        .catch(() => undefined);
      if (!meta?.width || !meta.height || meta.width < 32 || meta.height < 32) continue;
      const name = `image-${basename(path).replace(/\.\w+$/, '')}`;
      // one larger than the reader takes (its count: read-raster.ts) is shrunk, so that the gate is measured
      const image = () =>
        meta.width! * meta.height! * Math.min(meta.channels ?? 3, 3) > DEFAULT_MAX_PIXELS
          ? sharp(path).resize({ width: 2048, height: 2048, fit: 'inside' })
          : sharp(path);
      await write(kind, name, await image().png().toBuffer(), relative(dir, path), licence);
      if (o.greyCopies && (meta.channels ?? 1) >= 3 && (await inColour(path))) {
        const grey = await image().greyscale().png().toBuffer();
        await write(kind, `${name}-grey`, grey, `${relative(dir, path)} (grey copy)`, licence);
      }
    }
  }
  if (o.pages.length) await renderPages(o, write);
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const csv = records.map((r) => [r.file, r.kind, r.source, r.licence].map(quote).join(','));
  await writeFile(join(o.outDir, 'negatives.csv'), `file,kind,source,licence\n${csv.join('\n')}\n`);
  return records;
}

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 800, height: 1100 },
];

async function renderPages(
  o: NegativesOptions,
  write: (kind: string, name: string, png: Buffer, source: string, licence: string) => Promise<void>,
): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: o.chromiumPath ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    for (const page of o.pages) {
      for (const [v, viewport] of VIEWPORTS.entries()) {
        const tab = await browser.newPage({ viewport });
        if (page.path.endsWith('.md')) {
          const text = (await readFile(page.path, 'utf8')).replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
          await tab.setContent(
            `<html><body style="font-family:serif;margin:3em"><pre style="white-space:pre-wrap">${text}</pre></body></html>`,
          );
        } else {
          const server = await serveFolder(dirname(page.path));
          const port = (server.address() as AddressInfo).port;
          await tab.goto(`http://127.0.0.1:${port}/${basename(page.path)}`, { timeout: 15_000 }).catch(() => undefined);
          await tab.waitForTimeout(1500);
          server.close();
        }
        const png = await tab.screenshot({ type: 'png' });
        await tab.close();
        const name = `${basename(page.path).replace(/\.\w+$/, '')}-${v}`;
        await write(page.kind, name, Buffer.from(png), relative(process.cwd(), page.path), page.licence);
      }
    }
  } finally {
    await browser.close();
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** A static file server on 127.0.0.1 (a free port) so module scripts load as they do from the hub. */
async function serveFolder(root: string) {
  const server = createServer((req, res) => {
    const path = resolve(root, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`);
    readFile(path)
      .then((body) => {
        res.writeHead(path.startsWith(root) ? 200 : 403, {
          'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(404);
        res.end();
      });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}
