/**
 * Browser end-to-end in REAL headless Chromium: a radiologist logs in, a result produced by a REAL agent
 * process (`cxr agent`, tiny signed model, a sample chest PNG dropped in its inbox) appears on the worklist
 * without a reload, is opened, the heatmap is toggled, a class is overridden with a report, and the review
 * shows in the audit log; the agent's model package, published to the hub's registry, shows on the admin's
 * Models screen. Screenshots: test-artifacts/e2e-*.png.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { packTar } from '../../models/package/tar.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { samplePaths } from '../hub/realistic-result.ts';
import { PUBLISH_TOKEN, publishers } from '../hub/registry-fixtures.ts';
import { writeTinyModelPackage } from '../support/tiny-model.ts';
import { ARTIFACTS, chromiumAvailable, launchChromium } from './browser.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const A = { site: 'clinic-e2e', agent: 'xr-1' };

let hub: RunningHub;
let browser: Browser;
let page: Page;
let agentProcess: ChildProcess | undefined;
let work: string;

async function startAgentProcess(): Promise<string> {
  const model = await writeTinyModelPackage(join(work, 'model'));
  mkdirSync(join(work, 'keys'));
  writeFileSync(join(work, 'keys', 'e2e.pub.pem'), model.publicKeyPem);
  const inbox = join(work, 'inbox');
  mkdirSync(inbox);
  const config = {
    site: A.site,
    agentId: A.agent,
    siteSecret: randomBytes(24).toString('hex'),
    dataDir: join(work, 'agent'),
    watch: [{ path: inbox, policy: 'move', stableMs: 200, rescanIntervalMs: 500 }],
    model: { dir: model.dir, trustedKeysDir: join(work, 'keys') },
    mqtt: { url: hub.mqttUrl, username: `${A.site}/${A.agent}`, password: PASSWORDS.agent, statusIntervalMs: 1000 },
    http: { port: -1 },
    logLevel: 'warn',
  };
  writeFileSync(join(work, 'agent.json'), JSON.stringify(config));
  agentProcess = spawn(process.execPath, ['bin/cxr.mjs', 'agent', '--config', join(work, 'agent.json')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return inbox;
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `e2e-${name}.png`) });

before(async () => {
  work = tempDir('cxr-e2e-');
  // The registry trusts the key the agent's test model is signed with (written by startAgentProcess).
  hub = await startHub(hubConfig({ publishers: publishers(), models: { trustedKeysDir: join(work, 'keys') } }, [A]));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

after(async () => {
  if (agentProcess && agentProcess.exitCode === null) {
    const exited = new Promise((resolve) => agentProcess!.once('exit', resolve));
    agentProcess.kill('SIGTERM');
    await exited;
  }
  await browser?.close();
  await hub?.close();
});

it('shows a real agent’s result live, opens it, toggles the heatmap, overrides a class, and audits it', {
  skip: !chromiumAvailable() && 'no /usr/bin/chromium',
}, async () => {
  await page.goto(hub.httpUrl);
  await page.waitForSelector('#login-form');
  await shot('0-login');
  await page.fill('#login-username', 'boss');
  await page.fill('#login-password', PASSWORDS.admin);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#worklist-rows');
  await page.waitForSelector('#live.on');
  await page.evaluate(() => {
    (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
  });
  assert.equal(await page.locator('#worklist-rows tr[data-id]').count(), 0);
  await shot('1-empty-worklist');

  const inbox = await startAgentProcess();
  const sample = samplePaths()[0]!;
  copyFileSync(sample, join(work, 'incoming.part'));
  renameSync(join(work, 'incoming.part'), join(inbox, 'study.png'));

  const row = page.locator('#worklist-rows tr[data-id]').first();
  await row.waitFor({ timeout: 60_000 });
  assert.equal(
    await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
    true,
    'no reload',
  );
  await shot('2-live-result');

  await row.click();
  await page.waitForSelector('#findings .finding');
  await page.waitForFunction(() => document.getElementById('stage-info')?.textContent?.includes('Zoom'));
  const modelText = await page.textContent('#model-version');
  assert.match(modelText ?? '', /0\.0\.1/);
  const canvasWithHeatmap = await page.evaluate(() =>
    document.querySelector<HTMLCanvasElement>('#stage canvas')!.toDataURL(),
  );
  await shot('3-viewer-heatmap-on');
  await page.click('#heatmap-toggle');
  assert.equal(await page.getAttribute('#heatmap-toggle', 'aria-pressed'), 'false');
  assert.match((await page.textContent('#stage-info')) ?? '', /heatmap off/);
  const canvasWithout = await page.evaluate(() =>
    document.querySelector<HTMLCanvasElement>('#stage canvas')!.toDataURL(),
  );
  assert.notEqual(canvasWithout, canvasWithHeatmap, 'the overlay changed the rendered image');
  await shot('4-viewer-heatmap-off');

  // Keyboard: focus finding 1, override it; then write the report and sign.
  await page.keyboard.press('1');
  await page.keyboard.press('o');
  const overridden = await page.getAttribute('#findings .finding:nth-of-type(1)', 'data-cls');
  await page.fill('#report', 'Reviewed on the e2e test; AI call overridden.');
  await page.click('#sign');
  await page.waitForFunction(() => document.getElementById('study-status')?.textContent?.includes('reviewed by boss'));
  await shot('5-reviewed');

  await page.click('#nav a[data-screen="audit"]');
  const entry = page.locator('#audit-rows tr', { hasText: 'review.submit' }).first();
  await entry.waitFor();
  assert.match((await entry.textContent()) ?? '', new RegExp(`override ${overridden!.replace(/[/]/g, '\\/')}`));
  await shot('6-audit-log');

  await page.click('#nav a[data-screen="fleet"]');
  await page.locator('#fleet-rows tr', { hasText: 'clinic-e2e / xr-1' }).waitFor();
  await shot('7-fleet');
  await page.click('#nav a[data-screen="stats"]');
  const agreement = page.locator('#agreement tbody tr', { hasText: overridden! }).first();
  await agreement.waitFor();
  assert.match((await agreement.textContent()) ?? '', /0%/, 'the overridden class shows 0 % agreement');
  await shot('8-stats');

  const published = await fetch(`${hub.httpUrl}/api/models`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
    body: new Uint8Array(await packTar(join(work, 'model'))),
  });
  assert.equal(published.status, 201, await published.clone().text());
  await page.click('#nav a[data-screen="models"]');
  const model = page.locator('#models-rows tr[data-version="0.0.1"]');
  await model.waitFor();
  assert.match((await model.textContent()) ?? '', /tiny-densenet/);
  await page.locator('#rollout-version option', { hasText: '0.0.1' }).waitFor({ state: 'attached' });
  await shot('9-models');
  await page.click('#rollout-form button[type=submit]');
  await page.locator('#rollouts .rollout .chip[data-agent="clinic-e2e/xr-1"]').waitFor();
  await shot('10-rollout');
});
