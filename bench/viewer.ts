/**
 * Viewer benchmark (docs/viewing.md): how long a radiologist waits for a 1024² 16-bit diagnostic film to show at
 * 1:1 in the Cornerstone3D viewer, in real headless Chromium against a real hub on loopback — from the study's URL
 * to the first rendered frame with the file's window (fetch + PNG decode + viewport), median of
 * CXR_BENCH_VIEWER_RUNS (default 7) fresh page loads (the whole page: bundle, session, study, film). The film is
 * a real 1024² NIH chest film scaled to 12 bits stored in 16.
 * `node --import tsx bench/viewer.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import sharp from 'sharp';
import { renderDiagnostic } from '../agent/screening/render-images.ts';
import { openAgentDatabase } from '../agent/store/database.ts';
import { PixelQueue } from '../agent/store/pixel-queue.ts';
import { PixelUploader } from '../agent/sync/pixel-uploader.ts';
import { hashPassword } from '../hub/auth/password.ts';
import { parseHubConfig } from '../hub/config.ts';
import { startHub } from '../hub/main.ts';
import { readImage } from '../models/image/read-image.ts';
import { topicFor } from '../protocol/topics.ts';
import { chromiumAvailable, launchChromium } from '../test/e2e/browser.ts';
import { resultMessage } from '../test/hub/fixtures.ts';

const FILM = fileURLToPath(new URL('../models/samples/nih-fullres/00000061_012.png', import.meta.url));
const RUNS = Number(process.env.CXR_BENCH_VIEWER_RUNS ?? 7);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function run(): Promise<void> {
  if (!chromiumAvailable()) {
    process.stdout.write('viewer: no Chromium here\n');
    return;
  }
  const agentPassword = 'bench-agent-password';
  const radPassword = 'bench-reader-password';
  const hub = await startHub(
    parseHubConfig({
      dataDir: mkdtempSync(join(tmpdir(), 'cxr-bench-viewer-hub-')),
      http: { port: 0 },
      mqtt: { broker: 'embedded', port: 0 },
      agents: [{ site: 'bench', agent: 'a1', passwordHash: hashPassword(agentPassword) }],
      users: [{ username: 'rad', role: 'radiologist', passwordHash: hashPassword(radPassword) }],
      logLevel: 'silent',
    }),
    { log: pino({ level: 'silent' }) },
  );
  const root = mkdtempSync(join(tmpdir(), 'cxr-bench-viewer-agent-'));
  const db = openAgentDatabase(join(root, 'agent.db'));
  try {
    // A result with a preview, and its 16-bit diagnostic film uploaded the way an agent does.
    const film = await readImage(await readFile(FILM), { diagnostic: true });
    const samples = Uint16Array.from(film.diagnostic!.samples, (v) => v * 16); // 8 → 12 bits stored in 16
    const png = await renderDiagnostic(samples, film.cols, film.rows, 16);
    const preview = await sharp(FILM).jpeg({ quality: 85 }).toBuffer();
    const message = await resultMessage({
      site: 'bench',
      agent: 'a1',
      image: {
        format: 'dicom',
        rows: film.rows,
        cols: film.cols,
        modality: 'DX',
        pixelSpacingMm: [0.143, 0.143],
        spacingSource: 'ImagerPixelSpacing',
      },
      preview: { mime: 'image/jpeg', width: film.cols, height: film.rows, base64: preview.toString('base64') },
    });
    hub.hub.dispatch(topicFor({ site: 'bench', agent: 'a1' }, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.hub.drain();
    const image = {
      sha256: createHash('sha256').update(png).digest('hex'),
      sizeBytes: png.byteLength,
      mime: 'image/png' as const,
      width: film.cols,
      height: film.rows,
      bitsStored: 12,
      slope: 1,
      intercept: 0,
      window: { center: 2048, width: 4096 },
      invert: false,
      pixelSpacingMm: [0.143, 0.143] as [number, number],
      spacingSource: 'ImagerPixelSpacing' as const,
    };
    const queue = new PixelQueue(db, join(root, 'pixels'));
    await queue.enqueue(message.resultId, image, png, Date.now());
    const uploader = new PixelUploader({
      queue,
      client: {
        hubUrl: hub.httpUrl,
        username: 'bench/a1',
        password: agentPassword,
        chunkBytes: 4 * 1024 ** 2,
        timeoutMs: 60_000,
      },
      backoff: { initialMs: 100, maxMs: 1000 },
      now: Date.now,
      log: pino({ level: 'silent' }),
    });
    uploader.start();
    while (queue.size().uploads > 0) await new Promise((r) => setTimeout(r, 10));
    await uploader.close();

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      if (process.env.CXR_BENCH_VIEWER_TRACE)
        page.on('console', (m) => m.text().startsWith('TIMING') && process.stdout.write(`${m.text()}\n`));
      await page.goto(hub.httpUrl);
      await page.fill('#login-username', 'rad');
      await page.fill('#login-password', radPassword);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#worklist-rows');
      const open = async (): Promise<number> => {
        await page.goto('about:blank');
        const started = performance.now();
        await page.goto(`${hub.httpUrl}/#/study/${message.resultId}`);
        await page.waitForFunction(
          (want) => {
            const text = document.getElementById('stage-info')?.textContent ?? '';
            return text.includes(want) && !/W 1\.0 L 0\.5/.test(text);
          },
          'diagnostic',
          { polling: 'raf', timeout: 30_000 },
        );
        const ms = performance.now() - started;
        await page.keyboard.press('0'); // 1:1, as the radiologist would zoom in
        return ms;
      };
      /** From the worklist (app loaded and idle) to the study's first frame: what j/k and Enter cost a reader. */
      const openInApp = async (): Promise<number> => {
        await page.goto('about:blank');
        await page.goto(`${hub.httpUrl}/#/worklist`);
        await page.waitForSelector('#worklist-rows tr[data-id]');
        // A reader looks at the worklist before opening a study: start once the page has been idle.
        await page.evaluate(() => new Promise((done) => requestIdleCallback(() => done(null))));
        const started = performance.now();
        await page.evaluate((id) => {
          location.hash = `#/study/${id}`;
        }, message.resultId);
        await page.waitForFunction(
          () => {
            const text = document.getElementById('stage-info')?.textContent ?? '';
            return text.includes('diagnostic') && !/W 1\.0 L 0\.5/.test(text);
          },
          undefined,
          { polling: 'raf', timeout: 30_000 },
        );
        return performance.now() - started;
      };
      const inApp: number[] = [];
      for (let i = 0; i < RUNS; i++) inApp.push(await openInApp());
      process.stdout.write(
        `viewer: the same film opened from the worklist (app loaded and idle): median ${median(inApp).toFixed(0)} ms ` +
          `(runs: ${inApp.map((v) => v.toFixed(0)).join(', ')} ms)\n`,
      );
      const diagnostic: number[] = [];
      for (let i = 0; i < RUNS; i++) diagnostic.push(await open());
      process.stdout.write(
        `viewer: ${film.cols}×${film.rows} 12-in-16-bit diagnostic film (${(png.byteLength / 1024).toFixed(0)} KiB PNG) ` +
          `from URL to first frame with its window: median ${median(diagnostic).toFixed(0)} ms ` +
          `(runs: ${diagnostic.map((v) => v.toFixed(0)).join(', ')} ms; whole page load, login session kept)\n`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    db.close();
    await hub.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
