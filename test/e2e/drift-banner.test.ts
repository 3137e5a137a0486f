/**
 * The drift banner in real headless Chromium against a real hub: a site whose signed reads disagree with the AI is
 * judged drifting; a radiologist sees the banner (site, week, what drifted) without the action; an admin's
 * "Fine-tune for this site" queues a fine-tune job for that site.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../hub/fixtures.ts';
import { injectLogin } from '../hub/inject-session.ts';
import { ARTIFACTS, chromiumAvailable, launchChromium } from './browser.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
let hub: RunningHub;
let browser: Browser;

before(async () => {
  hub = await startHub(hubConfig({ drift: { minReads: 2, minResults: 1000 } }, [A]));
  const rad = await injectLogin(hub.hub, 'rad', PASSWORDS.radiologist);
  for (let i = 0; i < 2; i++) {
    const message = await resultMessage(A); // the AI flags Effusion
    hub.hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.hub.drain();
    const read = await rad.send('POST', `/api/studies/${message.resultId}/reads`, {
      decisions: { Atelectasis: 'absent', Effusion: 'absent', Pneumonia: 'absent' },
      impression: 'clear lungs',
      normal: true,
      agreedWithAi: false,
      basedOn: 0,
    });
    assert.equal(read.statusCode, 201);
  }
  await hub.hub.drift.evaluate();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hub?.close();
});

async function signIn(username: string, password: string) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(hub.httpUrl);
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#live.on');
  return page;
}

it('shows a drifting site to everyone and lets an admin queue a fine-tune for it', {
  skip: !chromiumAvailable(),
}, async () => {
  const radPage = await signIn('rad', PASSWORDS.radiologist);
  const line = radPage.locator('#drift-banner .drift-site[data-site="clinic-a"]');
  await line.waitFor();
  assert.match(
    (await line.textContent()) ?? '',
    /clinic-a is drifting \(\d{4}-W\d{2}\): AI agrees with radiologists on 0% of reads/,
  );
  assert.equal(await line.locator('button').count(), 0, 'no action for a radiologist');

  const adminPage = await signIn('boss', PASSWORDS.admin);
  const button = adminPage.locator('#drift-banner .drift-site[data-site="clinic-a"] button.drift-action');
  await button.click();
  await adminPage.waitForFunction(() => document.body.textContent?.includes('queued for clinic-a'));
  await adminPage.screenshot({ path: `${ARTIFACTS}drift-banner.png` });
  const jobs = await hub.hub.db.kysely.selectFrom('training_jobs').select(['kind', 'site', 'status']).execute();
  assert.deepEqual(jobs, [{ kind: 'fine-tune', site: 'clinic-a', status: 'queued' }]);
});
