/**
 * PHI scan: chest DICOMs in four transfer syntaxes get known, distinctive PHI values written into their headers
 * with DCMTK's `dcmodify` (name, ID, birth date, address, phone, accession, institution, referring physician,
 * study ID, study/series/instance UIDs, study and acquisition dates) and file names made of the patient's name
 * and ID. They go through a REAL agent and a REAL hub (both `cxr` child processes logging at debug level) over
 * a REAL Mosquitto, while a sniffer records ALL MQTT traffic. Then every byte is searched: the hub's database
 * files and blobs (its whole data folder), both services' logs, and every MQTT payload (with the images inside
 * decoded). The agent's own data folder is not searched: PHI stays there by design (its identity store).
 * Dates: the study/acquisition date here (1999) is one the agent's plausibility rule drops, so it must not appear
 * in any form. A plausible acquisition date-time IS sent, by design, as the result's `acquiredAt` (the hub's
 * waiting time, docs/agent.md), so a recent date would be found: that is a product decision, not tested here.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { agentFixture, SAMPLES } from '../agent/fixture.ts';
import { hubConfig, PASSWORDS, tempDir } from '../hub/fixtures.ts';
import { type CxrService, listResults, startCxrService } from '../support/cxr-process.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const UID = '1.2.826.0.1.3680043.9.7777.4242';
/** Tag → the PHI value written into every file (instance UIDs get `.<n>` appended). */
const PHI_TAGS: Record<string, string> = {
  '(0010,0010)': 'Xanthopoulos^Marigold',
  '(0010,0020)': 'PX-90817-QZ',
  '(0010,0030)': '19470312',
  '(0010,1040)': '17 Wrenfield Lane Quillbury',
  '(0010,2154)': '020-7946-0321',
  '(0010,1000)': 'OID-33871-KW',
  '(0008,0050)': 'ACC-55120-ZK',
  '(0008,0080)': 'Saint Quillon Infirmary',
  '(0008,0090)': 'Voskuijlen^Ottilie',
  '(0020,0010)': 'SQ8812X',
  '(0020,000d)': `${UID}.1`,
  '(0020,000e)': `${UID}.2`,
  '(0008,0020)': '19990704',
  '(0008,0030)': '101517',
  '(0008,0022)': '19990704',
  '(0008,0032)': '101517',
};
/** What must not appear anywhere: each value, the parts of names, and dates as ISO text too. */
const NEEDLES = [
  ...Object.values(PHI_TAGS).filter((v) => v.length >= 7),
  'Xanthopoulos',
  'Marigold',
  'Voskuijlen',
  'Ottilie',
  'Wrenfield',
  'Quillon',
  '7946-0321',
  '1947-03-12',
  '1999-07-04',
  `${UID}.3`,
];
const FILMS = [
  'dicom/fo-dicom/CR-MONO1-10-chest.dcm',
  'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
  'dicom/derived_transcodes/nih_DX_jpeg_baseline_4.50.dcm',
  'dicom/derived_transcodes/nih_DX_j2k_lossless_4.90.dcm',
];
const hasDcmodify = spawnSync('which', ['dcmodify']).status === 0;

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The needles found in these bytes (as UTF-8/Latin-1 text and as UTF-16LE). */
function found(bytes: Buffer): string[] {
  const latin1 = bytes.toString('latin1');
  const utf16 = bytes.toString('utf16le');
  return NEEDLES.filter((n) => latin1.includes(n) || utf16.includes(n));
}

const running: CxrService[] = [];
let broker: RunningMosquitto | undefined;
let sniffer: MqttClient | undefined;
let dir = '';
after(async () => {
  for (const service of running) service.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  await sniffer?.endAsync(true);
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PHI scan of the hub, the logs and all MQTT traffic', {
  skip: hasDcmodify ? false : 'needs dcmtk (dcmodify)',
}, () => {
  const traffic: { topic: string; payload: Buffer }[] = [];
  let hubDir = '';

  it('runs DICOMs with known PHI through a real agent and hub over Mosquitto', { timeout: 300_000 }, async () => {
    dir = tempDir('cxr-phi-');
    broker = await startMosquitto();
    sniffer = await mqtt.connectAsync(broker.url, { clientId: `phi-sniffer-${process.pid}`, protocolVersion: 4 });
    sniffer.on('message', (topic, payload) => traffic.push({ topic, payload: Buffer.from(payload) }));
    await sniffer.subscribeAsync('#', { qos: 1 });

    const hubPort = await freePort();
    hubDir = join(dir, 'hub');
    const hubFile = join(dir, 'hub.json');
    writeFileSync(
      hubFile,
      JSON.stringify(
        hubConfig(
          {
            dataDir: hubDir,
            http: { port: hubPort },
            mqtt: { broker: 'external', url: broker.url, clientId: `phi-hub-${process.pid}` },
            logLevel: 'debug',
          },
          [{ site: 'clinic-1', agent: 'room-2' }],
        ),
      ),
    );
    running.push(startCxrService(['hub', '--config', hubFile], { logFile: join(dir, 'hub.log') }));
    const fx = await agentFixture();
    const agentFile = fx.writeConfig(fx.config(broker.url, { http: { port: await freePort() }, logLevel: 'debug' }));
    running.push(startCxrService(['agent', '--config', agentFile], { logFile: join(dir, 'agent.log') }));

    for (const [i, rel] of FILMS.entries()) {
      const part = join(dir, `film-${i}.dcm`);
      copyFileSync(join(SAMPLES, rel), part);
      const edits = Object.entries(PHI_TAGS).flatMap(([tag, value]) => ['-i', `${tag}=${value}`]);
      execFileSync('dcmodify', ['-nb', ...edits, '-i', `(0008,0018)=${UID}.3.${i}`, part]);
      // The file name carries the patient's name and ID too, as some modalities write them.
      renameSync(part, join(fx.inDir, `Xanthopoulos_Marigold_PX-90817-QZ_${i}.dcm`));
    }
    const hubUrl = `http://127.0.0.1:${hubPort}`;
    const deadline = Date.now() + 240_000;
    let results = await listResults(hubUrl, 'rad', PASSWORDS.radiologist);
    while ((results?.length ?? 0) < FILMS.length) {
      assert.ok(Date.now() < deadline, `hub results: ${results?.length}\n${running.map((s) => s.tail()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
      results = await listResults(hubUrl, 'rad', PASSWORDS.radiologist);
    }
    assert.equal(results?.length, FILMS.length, 'every film reached the hub');
    await new Promise((r) => setTimeout(r, 1500)); // acks, statuses and the blobs written after the rows
  });

  it('finds no PHI value in any MQTT payload, nor in the images they carry', () => {
    const topics = new Set(traffic.map((m) => m.topic.split('/').at(-1)));
    assert.ok(topics.has('result') && topics.has('ack') && topics.has('status'), [...topics].join(','));
    for (const { topic, payload } of traffic) {
      assert.deepEqual(found(Buffer.from(topic)), [], `PHI in topic ${topic}`);
      assert.deepEqual(found(payload), [], `PHI in a payload on ${topic}`);
      if (!topic.endsWith('/result')) continue;
      const message = JSON.parse(payload.toString()) as Record<
        string,
        { base64?: string; maps?: Record<string, string> }
      >;
      const embedded = [
        message.preview?.base64,
        message.heatmap?.base64,
        ...Object.values(message.activation?.maps ?? {}),
      ];
      for (const base64 of embedded.filter((b): b is string => typeof b === 'string'))
        assert.deepEqual(found(Buffer.from(base64, 'base64')), [], `PHI inside an image on ${topic}`);
    }
  });

  it("finds no PHI value in the hub's database files and blobs", () => {
    const files = filesUnder(hubDir);
    assert.ok(
      files.some((f) => /\.(db|sqlite)$/.test(f)),
      files.join('\n'),
    );
    for (const file of files) assert.deepEqual(found(readFileSync(file)), [], `PHI in ${file}`);
  });

  it("finds no PHI value in the hub's or the agent's logs (debug level)", () => {
    for (const name of ['hub.log', 'agent.log']) {
      const log = readFileSync(join(dir, name));
      assert.ok(log.length > 0, `${name} is not empty`);
      assert.deepEqual(found(log), [], `PHI in ${name}`);
    }
  });
});
