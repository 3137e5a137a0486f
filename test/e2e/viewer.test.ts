/**
 * The diagnostic viewer end to end in REAL headless Chromium: a real agent process (pixel policy `diagnostic`,
 * the bundled model) scores two real chest DICOMs of one patient (the TorchXRayVision CR with PixelSpacing 0.168 mm,
 * and a later study of it: the same film with new study, series and instance UIDs, made by DCMTK's dcmodify; the
 * repository's MONOCHROME1 twin shows the film as a negative and the model's gate refuses it) and uploads their
 * lossless films; a radiologist opens the later one in the Cornerstone3D
 * viewer: the film is the diagnostic image (not the preview), window presets and invert change the rendered
 * values, 1:1 is one film pixel per screen pixel, a length drawn over 100 screen pixels at 1:1 reads 16.8 mm, the
 * earlier study is listed and opens beside it with zoom linked. Screenshots: test-artifacts/viewer-*.png.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { ARTIFACTS, chromiumAvailable, launchChromium } from './browser.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TXV = join(REPO, 'models/samples/dicom/torchxrayvision');
const FIRST = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm';
const SECOND = 'later-study.dcm';
const A = { site: 'clinic-view', agent: 'xr-1' };

let hub: RunningHub;
let browser: Browser;
let agent: ChildProcess | undefined;
let work: string;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `viewer-${name}.png`) });

/** The rendered film's grey value at the centre of the viewport (the canvas Cornerstone draws into). */
const centreValue = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#pane-current .film canvas')!;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const d = ctx.getImageData(Math.floor(canvas.width / 2) - 20, Math.floor(canvas.height / 2) - 20, 40, 40).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i]!;
    return sum / (d.length / 4);
  });

before(async () => {
  work = tempDir('cxr-viewer-');
  hub = await startHub(hubConfig({}, [A]));
  const inbox = join(work, 'inbox');
  mkdirSync(inbox);
  const config = {
    site: A.site,
    agentId: A.agent,
    siteSecret: randomBytes(24).toString('hex'),
    dataDir: join(work, 'agent'),
    watch: [{ path: inbox, policy: 'move', stableMs: 200, rescanIntervalMs: 500 }],
    model: { dir: join(REPO, 'models/baseline'), trustedKeysDir: join(REPO, 'models/trusted-keys') },
    mqtt: { url: hub.mqttUrl, username: `${A.site}/${A.agent}`, password: PASSWORDS.agent, statusIntervalMs: 1000 },
    pixels: { policy: 'diagnostic', hubUrl: hub.httpUrl },
    http: { port: -1 },
    logLevel: 'warn',
  };
  writeFileSync(join(work, 'agent.json'), JSON.stringify(config));
  agent = spawn(process.execPath, ['bin/cxr.mjs', 'agent', '--config', join(work, 'agent.json')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const file of [FIRST, SECOND]) {
    copyFileSync(join(TXV, FIRST), join(work, `${file}.part`));
    if (file === SECOND) execFileSync('dcmodify', ['-nb', '-gst', '-gse', '-gin', join(work, `${file}.part`)]);
    renameSync(join(work, `${file}.part`), join(inbox, file));
    // one after the other, so the second is the later study of the patient
    const before = Date.now();
    while (Date.now() - before < 120_000) {
      const n = await hub.hub.db.kysely.selectFrom('results').select('id').execute();
      if (n.length >= (file === FIRST ? 1 : 2)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  browser = await launchChromium();
});

after(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent!.once('exit', resolve));
    agent.kill('SIGTERM');
    await exited;
  }
  await browser?.close();
  await hub?.close();
});

it('shows the lossless film with full-depth window/level, invert, 1:1, a length in mm and the prior beside it', {
  skip: !chromiumAvailable() && 'no /usr/bin/chromium',
  timeout: 240_000,
}, async () => {
  const rows = await hub.hub.db.kysely.selectFrom('results').select(['result_id', 'id']).orderBy('id').execute();
  assert.equal(rows.length, 2, 'both films scored');
  const later = rows[1]!.result_id;
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(hub.httpUrl);
  await page.fill('#login-username', 'rad');
  await page.fill('#login-password', PASSWORDS.radiologist);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#worklist-rows tr[data-id]');
  // The lossless films reach the hub apart from the results.
  await page.waitForFunction(
    async (ids) => {
      for (const id of ids) {
        const info = await (await fetch(`/api/studies/${id}/image-info`)).json();
        if (!info.diagnostic?.stored) return false;
      }
      return true;
    },
    rows.map((r) => r.result_id),
    { timeout: 120_000, polling: 500 },
  );

  await page.goto(`${hub.httpUrl}/#/study/${later}`);
  await page.waitForFunction(
    () => /diagnostic/.test(document.getElementById('stage-info')?.textContent ?? ''),
    undefined,
    {
      timeout: 60_000,
    },
  );
  assert.match((await page.textContent('#stage-info')) ?? '', /8-bit diagnostic · lengths in mm/);
  // The film was fetched and decoded on the decoder's worker thread, not on the page's own.
  assert.ok(
    page.workers().some((w) => w.url().endsWith('/dist/film-decoder.js')),
    'the film decoder worker ran',
  );
  const onPage = await page.evaluate(() =>
    performance.getEntriesByType('resource').some((e) => /\/image$/.test(e.name)),
  );
  assert.equal(onPage, false, 'the page itself did not fetch the image');
  // Safe header data only: sex (and age band when the file has one), never a name or ID; what was masked.
  assert.match((await page.textContent('#safe-header')) ?? '', /M/);
  assert.match((await page.textContent('#deid')) ?? '', /masked at the clinic|none found|side marker/);
  await shot(page, '1-film');

  // Window/level: a preset and invert change the rendered values.
  const atDefault = await centreValue(page);
  await page.selectOption('#window-preset', 'bone');
  await new Promise((r) => setTimeout(r, 300));
  const atBone = await centreValue(page);
  assert.notEqual(Math.round(atBone), Math.round(atDefault), 'the bone window renders the film differently');
  await page.keyboard.press('v');
  await new Promise((r) => setTimeout(r, 300));
  const inverted = await centreValue(page);
  assert.ok(Math.abs(inverted + atBone - 255) < 8, `inverted ${inverted} mirrors ${atBone}`);
  await page.keyboard.press('v');
  await page.selectOption('#window-preset', 'default');

  // 1:1, then a length of 100 screen pixels: 100 film pixels of 0.168 mm.
  await page.keyboard.press('0');
  await page.waitForFunction(() => /\(1:1\)/.test(document.getElementById('stage-info')?.textContent ?? ''));
  await page.keyboard.press('m');
  const box = (await page.locator('#pane-current .film').boundingBox())!;
  const x = box.x + box.width / 2 - 50;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  // The tool anchors the line at the first move of the drag: a 1-px first step, then 100 px more.
  await page.mouse.move(x + 1, y);
  await page.mouse.move(x + 101, y, { steps: 10 });
  await page.mouse.up();
  // The drawn line in screen pixels (= film pixels at 1:1); its label (throttled while dragging) settles after.
  const measured = () =>
    page.evaluate(() => {
      const line = document.querySelector<SVGLineElement>('#pane-current .film svg line[data-id$="-line"]');
      const text = document.querySelector('#pane-current .film svg text')?.textContent ?? '';
      if (!line) return null;
      const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((a) => Number(line.getAttribute(a))) as number[];
      return { px: Math.hypot(x2! - x1!, y2! - y1!), mm: Number(/([\d.]+)\s*mm/.exec(text)?.[1] ?? Number.NaN) };
    });
  let last: { px: number; mm: number } | null = null;
  for (let i = 0; i < 50; i++) {
    last = await measured();
    if (last && Math.abs(last.mm - last.px * 0.168) < 0.2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(last && Math.abs(last.px - 101) < 1.5, `a line of ${last?.px} px was drawn`);
  assert.ok(
    Math.abs(last.mm - last.px * 0.168) < 0.2,
    `length ${last.mm} mm for ${last.px.toFixed(1)} px at 0.168 mm/px`,
  );
  await shot(page, '2-length-mm');
  await page.keyboard.press('m');

  // The earlier study of the same patient, side by side, zoom linked.
  const prior = page.locator('#priors li').first();
  await prior.waitFor();
  assert.match((await prior.textContent()) ?? '', /before|Same day/);
  await prior.locator('button.compare').click();
  await page.waitForSelector('#pane-prior .film canvas');
  await new Promise((r) => setTimeout(r, 1000));
  const priorCanvas = () =>
    page.evaluate(() => document.querySelector<HTMLCanvasElement>('#pane-prior .film canvas')!.toDataURL());
  const beforeZoom = await priorCanvas();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await new Promise((r) => setTimeout(r, 800));
  assert.notEqual(await priorCanvas(), beforeZoom, 'zooming the current film zooms the prior');
  await shot(page, '3-prior-side-by-side');
});
