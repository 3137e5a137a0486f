/**
 * The Models screen's live shadows in real headless Chromium against a real hub (embedded broker): an admin starts a
 * shadow of a candidate at a site through the form; results carrying the candidate's output and signed reads arrive;
 * the card shows, live, per site the read films and how many production and the candidate agree with (the candidate
 * ahead), the evaluation report's absence, then the admin promotes it (confirm dialog) and the card shows the rollout.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { CLASSES, PASSWORDS, resultMessage } from '../hub/fixtures.ts';
import { injectLogin } from '../hub/inject-session.ts';
import { PUBLISH_TOKEN, packageTar, registryHubConfig, statusOn } from '../hub/registry-fixtures.ts';
import { ARTIFACTS, chromiumAvailable, launchChromium } from './browser.ts';

const B = { site: 'site-b', agent: 'xr-1' };
let hub: RunningHub;
let browser: Browser;

before(async () => {
  hub = await startHub(registryHubConfig({}, [B]));
  for (const [version, seed] of [
    ['1.0.0', 1],
    ['2.0.0', 2],
  ] as const) {
    const published = await fetch(`${hub.httpUrl}/api/models`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
      body: new Uint8Array(await packageTar(version, { seed })),
    });
    assert.equal(published.status, 201);
  }
  hub.hub.dispatch(topicFor(B, 'status'), Buffer.from(JSON.stringify(statusOn(B.site, B.agent, '1.0.0'))));
  await hub.hub.drain();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

it('starts a shadow, shows the live agreement beside production, and promotes it', {
  skip: !chromiumAvailable(),
}, async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(hub.httpUrl);
  await page.fill('#login-username', 'boss');
  await page.fill('#login-password', PASSWORDS.admin);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#live.on');
  await page.click('#nav a[data-screen="models"]');
  await page.locator('#shadow-version option[value="version:2.0.0"]').waitFor({ state: 'attached' });
  await page.selectOption('#shadow-version', 'version:2.0.0');
  await page.fill('#shadow-sites', 'site-b');
  await page.fill('#shadow-min-reads', '100');
  await page.click('#shadow-form button[type=submit]');
  const card = page.locator('#shadows .rollout.status-running');
  await card.waitFor();
  assert.match((await card.textContent()) ?? '', /2\.0\.0.*running.*site-b · beside production — /);

  // Two films: production misses the effusion the candidate calls; both right on the normal one.
  const rad = await injectLogin(hub.hub, 'rad', PASSWORDS.radiologist);
  for (const [production, candidate, present] of [
    [[], ['Effusion'], ['Effusion']],
    [[], [], []],
  ] as const) {
    const probabilities = Object.fromEntries(CLASSES.map((c) => [c, 0.1]));
    const message = await resultMessage({
      ...B,
      flags: [...production],
      probabilities,
      shadow: { version: '2.0.0', probabilities, flags: [...candidate], tier: 'abnormal', score: 0.8 },
    });
    hub.hub.dispatch(topicFor(B, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.hub.drain();
    const signed = await rad.send('POST', `/api/studies/${message.resultId}/reads`, {
      decisions: Object.fromEntries(
        CLASSES.map((c) => [c, (present as readonly string[]).includes(c) ? 'present' : 'absent']),
      ),
      impression: present.length ? 'effusion' : 'normal',
      normal: present.length === 0,
      agreedWithAi: false,
      basedOn: 0,
    });
    assert.equal(signed.statusCode, 201, signed.body);
  }
  const site = card.locator('tr[data-site="site-b"][data-ahead="candidate"]');
  await site.waitFor({ timeout: 15_000 });
  assert.deepEqual(await site.locator('td').allTextContents(), ['site-b', '2', '2', '1/2 (50%)', '2/2 (100%)']);
  assert.equal(
    await card.locator('a', { hasText: 'Evaluation report' }).count(),
    0,
    'no report for a hand-published package',
  );
  await page.screenshot({ path: `${ARTIFACTS}e2e-shadow-running.png` });

  page.once('dialog', (dialog) => void dialog.accept());
  await card.locator('button[data-action="promote"]').click();
  const promoted = page.locator('#shadows .rollout.status-promoted');
  await promoted.waitFor();
  assert.match((await promoted.textContent()) ?? '', /promoted .* · boss.*rollout r-[0-9a-f]+/);
  assert.equal(await promoted.locator('button').count(), 0, 'nothing left to do on a promoted shadow');
  await page.locator('#rollouts .rollout', { hasText: '2.0.0' }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}e2e-shadow-promoted.png` });
});
