/**
 * The clinic round trip with real processes: DCMTK's `storescu` pushes two instances of one study (a distinctive
 * patient name burned into the headers with `dcmodify`) to a real agent's DICOM receiver; the agent scores them
 * and delivers the results through a real Mosquitto (the shipped ACL) to a real hub. A radiologist signs a read
 * through the hub's API while the broker is DOWN (the report is queued in the signing transaction); after the
 * broker returns the report reaches the clinic as a
 * PDF (text checked with `pdftotext`), a JSON file and a Basic Text SR (parsed back with dcmjs and DCMTK's
 * `dsrdump`, references to the original study/series/instance checked); an addendum follows. The patient's name
 * is on the PDF and appears nowhere in the hub's database or blobs. The clinic page (real Chromium) shows it.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import { readPart10 } from '../../agent/clinic/dicom-part10.ts';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { mosquittoPasswdLine } from '../../hub/auth/mosquitto-passwd.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { agentFixture, SAMPLES } from '../agent/fixture.ts';
import { ARTIFACTS, chromiumAvailable, launchChromium } from '../e2e/browser.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { login as hubLogin } from '../hub/harness.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const NAME = 'Quaxley^Zephyrine';
const PATIENT_ID = 'ZQ-4711-XK';
const STUDY_UID = '1.2.826.0.1.3680043.9.7777.20261201.1';
const tools = ['storescu', 'dcmodify', 'pdftotext', 'dsrdump'].every((tool) => spawnSync('which', [tool]).status === 0);

const run = promisify(execFile);

let broker: RunningMosquitto | undefined;
let hub: RunningHub | undefined;
let agent: RunningAgent | undefined;
after(async () => {
  await agent?.close();
  await hub?.close();
  await broker?.stop();
});

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

it('takes a study over DICOM, sends the read back to the clinic as PDF, JSON and SR, and keeps the name off the hub', {
  skip: tools ? false : 'needs dcmtk and poppler-utils (scripts/setup.sh)',
  timeout: 240_000,
}, async () => {
  const fx = await agentFixture();
  const dir = tempDir('cxr-clinic-');
  writeFileSync(
    join(dir, 'passwd'),
    `${mosquittoPasswdLine('cxr-hub', 'hub-pw')}\n${mosquittoPasswdLine('clinic-1/room-2', PASSWORDS.agent)}\n`,
  );
  writeFileSync(join(dir, 'acl'), readFileSync(new URL('../../deploy/mosquitto/acl', import.meta.url)));
  broker = await startMosquitto({
    extraConfig: `allow_anonymous false\npassword_file ${dir}/passwd\nacl_file ${dir}/acl\n`,
  });
  const hubDataDir = join(dir, 'hub');
  hub = await startHub(
    hubConfig(
      {
        dataDir: hubDataDir,
        mqtt: {
          broker: 'external',
          url: broker.url,
          username: 'cxr-hub',
          password: 'hub-pw',
          clientId: `ch-${process.pid}`,
        },
      },
      [{ site: 'clinic-1', agent: 'room-2' }],
    ),
  );

  // Two instances of one study, with a name and ID the test can look for.
  const films = [
    'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
    'dicom/derived_transcodes/CR-MONO1-10-chest_explicitLE_part10.dcm',
  ];
  const pushed = films.map((rel, i) => {
    const path = join(dir, `film-${i}.dcm`);
    copyFileSync(join(SAMPLES, rel), path);
    execFileSync('dcmodify', [
      '-nb',
      '-gin',
      '-m',
      `(0010,0010)=${NAME}`,
      '-i',
      `(0010,0020)=${PATIENT_ID}`,
      '-i',
      '(0008,0050)=ACC-99821',
      '-m',
      `(0020,000d)=${STUDY_UID}`,
      path,
    ]);
    return path;
  });
  const base = fx.config(broker.url);
  const resultsDir = join(dir, 'results');
  agent = await startAgent(
    parseAgentConfig(
      {
        ...base,
        watch: [],
        mqtt: { ...(base.mqtt as object), username: 'clinic-1/room-2', password: PASSWORDS.agent },
        dicomScp: {
          port: 0,
          host: '127.0.0.1',
          aeTitle: 'CXR-EDGE',
          allowedCallingAeTitles: ['XRAY1'],
          spoolDir: join(dir, 'spool'),
        },
        clinic: {
          siteName: 'Clinic One',
          resultsDir,
          users: [{ username: 'nurse', passwordHash: hashPassword('front-desk-pass') }],
        },
        siteSecret: randomBytes(24).toString('hex'),
      },
      fx.root,
    ),
  );
  const port = String(agent.dicomPort);

  // storescu runs as its own process while this one serves it (never a sync spawn: it would block the agent).
  // An unknown device is refused; the receiver keeps running.
  await assert.rejects(
    run('storescu', ['-aet', 'STRANGER', '-aec', 'CXR-EDGE', '127.0.0.1', port, pushed[0] as string]),
  );
  await run('storescu', ['-aet', 'XRAY1', '-aec', 'CXR-EDGE', '127.0.0.1', port, ...pushed]);

  await waitFor('both films scored and acked by the hub', () =>
    agent && agent.store.fileCounts().scored === 2 && agent.store.outboxSize() === 0 ? true : undefined,
  );
  const rows = await hub.hub.db.kysely
    .selectFrom('results')
    .select(['result_id', 'image_key', 'probabilities'])
    .execute();
  assert.equal(rows.length, 2);
  const row = rows[0] as (typeof rows)[number];

  // Signing while the broker is down: the outbox keeps it, and it goes out once the broker is back.
  await broker.stop();
  const rad = await hubLogin(hub.httpUrl, 'rad', PASSWORDS.radiologist);
  const study = (await (await rad.get(`/api/studies/${row.result_id}`)).json()) as { findingClasses: string[] };
  // The radiologist's explicit decision on each finding class of the model that scored the film.
  const decisions = Object.fromEntries(study.findingClasses.map((c) => [c, 'absent']));
  const signed = await rad.post(`/api/studies/${row.result_id}/reads`, {
    decisions,
    impression: 'No acute cardiopulmonary abnormality.',
    normal: true,
    basedOn: 0,
  });
  assert.equal(signed.status, 201, await signed.clone().text());
  assert.equal(await hub.hub.reports.outbox.count('pending'), 1, 'queued with the read, in one transaction');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(existsSync(resultsDir) ? readdirSync(resultsDir).filter((n) => n.endsWith('.pdf')).length : 0, 0);
  await broker.restart();

  const pdfName = await waitFor('the PDF at the clinic', () =>
    existsSync(resultsDir) ? readdirSync(resultsDir).find((n) => n.endsWith('_v1.pdf')) : undefined,
  );
  await waitFor('the hub outbox emptied by the agent’s ack', async () =>
    (await hub?.hub.reports.outbox.count('pending')) === 0 ? true : undefined,
  );
  const stem = pdfName.replace(/\.pdf$/, '');
  const text = execFileSync('pdftotext', [join(resultsDir, pdfName), '-'], { encoding: 'utf8' });
  assert.match(text, /Quaxley, Zephyrine/);
  assert.match(text, new RegExp(PATIENT_ID));
  assert.match(text, /No acute cardiopulmonary abnormality/);
  assert.match(text, /Read by rad/);

  await waitFor('the JSON beside the PDF', () => (existsSync(join(resultsDir, `${stem}.json`)) ? true : undefined));
  const json = JSON.parse(readFileSync(join(resultsDir, `${stem}.json`), 'utf8'));
  assert.equal(json.patient.name, 'Quaxley, Zephyrine');
  assert.equal(json.dicom.studyInstanceUid, STUDY_UID);

  const srPath = join(resultsDir, `${stem}.sr.dcm`);
  await waitFor('the SR beside the PDF', () => (existsSync(srPath) ? true : undefined));
  // biome-ignore lint/suspicious/noExplicitAny: dcmjs's naturalized data set is untyped nested JSON, read by keyword here
  const sr = readPart10(readFileSync(srPath)) as Record<string, any>;
  assert.equal(sr.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.11');
  assert.equal(sr.StudyInstanceUID, STUDY_UID);
  assert.equal(sr.PatientID, PATIENT_ID);
  const evidence = sr.CurrentRequestedProcedureEvidenceSequence[0];
  assert.equal(evidence.StudyInstanceUID, STUDY_UID);
  assert.equal(evidence.ReferencedSeriesSequence[0].SeriesInstanceUID, json.dicom.seriesInstanceUid);
  assert.equal(
    evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID,
    json.dicom.sopInstanceUid,
  );
  const dump = execFileSync('dsrdump', [srPath], { encoding: 'utf8' });
  assert.match(dump, /Basic Text SR/);
  assert.match(dump, /VERIFIED/);

  // An addendum: a second version, marked as such; the original stays.
  const addendum = await rad.post(`/api/studies/${row.result_id}/reads`, {
    decisions,
    impression: 'Compared with the prior film: unchanged.',
    basedOn: 1,
  });
  assert.equal(addendum.status, 201, await addendum.clone().text());
  const v2 = await waitFor('the addendum PDF', () => readdirSync(resultsDir).find((n) => n.endsWith('_v2.pdf')));
  const text2 = execFileSync('pdftotext', [join(resultsDir, v2), '-'], { encoding: 'utf8' });
  assert.match(text2, /ADDENDUM 1/);
  assert.match(text2, /Original read/);
  assert.match(text2, /Compared with the prior film: unchanged/);

  // The name never reached the hub: not in its database files, not in its blobs.
  await hub.hub.drain();
  for (const path of filesUnder(hubDataDir)) {
    const bytes = readFileSync(path);
    for (const needle of ['Quaxley', 'Zephyrine', PATIENT_ID, STUDY_UID]) {
      assert.equal(bytes.includes(Buffer.from(needle)), false, `${needle} found in the hub's ${path}`);
    }
  }

  if (!chromiumAvailable()) return;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${agent.httpPort}/clinic`);
    await page.fill('input[name=username]', 'nurse');
    await page.fill('input[name=password]', 'front-desk-pass');
    await page.click('button[type=submit]');
    await page.waitForSelector('table');
    const list = await page.textContent('main');
    assert.match(list ?? '', /Quaxley, Zephyrine/);
    assert.match(list ?? '', /2 images/);
    assert.match(list ?? '', /Read by rad \(addendum 1\)/);
    const health = await page.textContent('.health');
    assert.match(health ?? '', /Connected to the radiologists’ hub/);
    await page.screenshot({ path: join(ARTIFACTS, 'clinic-list.png'), fullPage: true });
    await page.click('a:has-text("Quaxley, Zephyrine")');
    await page.waitForSelector('.reads');
    const study = await page.textContent('main');
    assert.match(study ?? '', /No acute cardiopulmonary abnormality/);
    assert.match(study ?? '', /Addendum 1/);
    await page.screenshot({ path: join(ARTIFACTS, 'clinic-study.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
