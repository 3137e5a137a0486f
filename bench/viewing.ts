/**
 * Viewing benchmarks (docs/viewing.md), printed as figures:
 * - de-identification: on real chest films (shared/data nih and site-b-pediatric) with a synthetic name and
 *   birth date drawn in a corner or along an edge, the fraction whose name is fully masked (every strong ink
 *   pixel inside a mask) and the mean ink covered; on the same films without a drawn name, the fraction that
 *   got any mask. Films per set: CXR_BENCH_DEID_FILMS (default 40); detection time per film; the detector's
 *   working side CXR_BENCH_DEID_SIDE (default 640, the agent's pixels.textDetectionSide); the detector's
 *   runtime: CXR_BENCH_DEID_RUNTIME (auto, the default, openvino or onnxruntime); its inference threads
 *   CXR_BENCH_DEID_THREADS (default 1).
 * - upload: real films' diagnostic PNGs (8- and 16-bit) through the agent's pixel queue and uploader to a real
 *   hub over loopback HTTP: images/s, MB/s and bytes per image at the hub.
 * `node --import tsx bench/viewing.ts [deid|upload]`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { renderDiagnostic } from '../agent/screening/render-images.ts';
import { openAgentDatabase } from '../agent/store/database.ts';
import { PixelQueue } from '../agent/store/pixel-queue.ts';
import { PixelUploader } from '../agent/sync/pixel-uploader.ts';
import { hashPassword } from '../hub/auth/password.ts';
import { parseHubConfig } from '../hub/config.ts';
import { startHub } from '../hub/main.ts';
import { deidentifyPixels } from '../models/deid/deidentify-pixels.ts';
import { openTextDetector } from '../models/deid/text-detector.ts';
import { readImage } from '../models/image/read-image.ts';
import type { RuntimeChoice } from '../models/runtime/types.ts';
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
  return readImage(await readFile(path));
}

export async function benchDeid(
  count: number,
  runtime: RuntimeChoice = 'auto',
  side = 640,
  threads = 1,
): Promise<void> {
  const detector = await openTextDetector({ side, keepLaterality: true, runtime, threads });
  process.stdout.write(`deid detector ${detector.name}, ${threads} inference thread(s)\n`);
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

/**
 * Diagnostic PNGs of real films (the 1024² NIH originals as 8-bit, and the same films scaled to 16 bits,
 * as a 16-bit detector writes them) through the agent's queue and uploader to a real hub on loopback.
 */
export async function benchUpload(): Promise<void> {
  const dir = join(SHARED, 'nih-fullres');
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.png')) : [];
  if (names.length === 0) {
    process.stdout.write('upload: no films here\n');
    return;
  }
  const password = 'bench-agent-password';
  const hub = await startHub(
    parseHubConfig({
      dataDir: mkdtempSync(join(tmpdir(), 'cxr-bench-viewing-hub-')),
      http: { port: 0 },
      mqtt: { broker: 'embedded', port: 0 },
      agents: [{ site: 'bench', agent: 'a1', passwordHash: hashPassword(password) }],
      logLevel: 'silent',
    }),
    { log: pino({ level: 'silent' }) },
  );
  const root = mkdtempSync(join(tmpdir(), 'cxr-bench-viewing-agent-'));
  const db = openAgentDatabase(join(root, 'agent.db'));
  const queue = new PixelQueue(db, join(root, 'pixels'));
  try {
    for (const bits of [8, 16]) {
      let bytes = 0;
      for (const [i, name] of names.entries()) {
        const film = await readImage(await readFile(join(dir, name)), { diagnostic: true });
        const samples = film.diagnostic!.samples;
        const scaled = bits === 8 ? samples : Uint16Array.from(samples, (v) => v * 257);
        const png = await renderDiagnostic(scaled, film.cols, film.rows, bits);
        bytes += png.byteLength;
        const sha256 = createHash('sha256').update(png).digest('hex');
        const image = {
          sha256,
          sizeBytes: png.byteLength,
          mime: 'image/png' as const,
          width: film.cols,
          height: film.rows,
          bitsStored: bits,
          slope: 1,
          intercept: 0,
          window: { center: 2 ** (bits - 1), width: 2 ** bits },
          invert: false,
        };
        await queue.enqueue(createHash('sha256').update(`${bits}:${i}`).digest('hex'), image, png, Date.now());
      }
      const count = names.length;
      const started = performance.now();
      const uploader = new PixelUploader({
        queue,
        client: { hubUrl: hub.httpUrl, username: 'bench/a1', password, chunkBytes: 4 * 1024 ** 2, timeoutMs: 60_000 },
        backoff: { initialMs: 100, maxMs: 1000 },
        now: Date.now,
        log: pino({ level: 'silent' }),
      });
      uploader.start();
      while (queue.size().uploads > 0) await new Promise((r) => setTimeout(r, 10));
      const seconds = (performance.now() - started) / 1000;
      await uploader.close();
      const raw = count * 1024 * 1024 * (bits / 8);
      process.stdout.write(
        `upload ${bits}-bit 1024² films: ${count} in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(1)} images/s, ` +
          `${(bytes / seconds / 1e6).toFixed(1)} MB/s; ${(bytes / count / 1024).toFixed(0)} KiB per image at the hub ` +
          `(${((100 * bytes) / raw).toFixed(0)} % of the raw samples)\n`,
      );
    }
    const usage = await hub.hub.images.store.usage();
    process.stdout.write(`hub holds ${usage.images} images, ${(usage.bytes / 1e6).toFixed(1)} MB\n`);
  } finally {
    db.close();
    await hub.close();
  }
}

export async function run(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a === 'deid' || a === 'upload');
  if (only.length === 0 || only.includes('deid')) {
    const env = process.env;
    const runtime = (env.CXR_BENCH_DEID_RUNTIME ?? 'auto') as RuntimeChoice;
    await benchDeid(
      Number(env.CXR_BENCH_DEID_FILMS ?? 40),
      runtime,
      Number(env.CXR_BENCH_DEID_SIDE ?? 640),
      Number(env.CXR_BENCH_DEID_THREADS ?? 1),
    );
  }
  if (only.length === 0 || only.includes('upload')) await benchUpload();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
