/**
 * Agent intake end to end, in-process, with a REAL Mosquitto, the real ack-ing test hub and real sample images:
 * PNGs and DICOMs, a 1024² DICOM written slowly in chunks (with a pause longer than stableMs), write-then-rename,
 * an in-progress `.part`, a truncated DICOM, a duplicate under another name, non-chest DICOMs and a text file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { type AgentFixture, agentFixture, phiValues, SAMPLES, sample, writeSlowly } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

describe('agent intake (real broker, real images)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let fx: AgentFixture;
  let agent: RunningAgent;
  const logLines: string[] = [];

  before(async () => {
    broker = await startMosquitto();
    hub = await startAckResponder(broker.url);
    fx = await agentFixture();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    agent = await startAgent(parseAgentConfig(fx.config(broker.url), fx.root), {
      logger: pino({ level: 'debug' }, sink),
    });
  });
  after(async () => {
    await agent?.close();
    await hub?.close();
    await broker?.stop();
  });

  it('scores each distinct chest image once and quarantines the rest with a reason', async () => {
    const dropped = [
      'nih/images/00000032_038.png',
      'nih/images/00001280_004.png',
      'nih-fullres/00000061_012.png',
      'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
      'dicom/derived_transcodes/nih_DX_jpegls_lossless_4.80.dcm',
    ];
    for (const rel of dropped) copyFileSync(join(SAMPLES, rel), join(fx.inDir, rel.replace(/\//g, '_')));
    // A duplicate under another name.
    copyFileSync(join(SAMPLES, dropped[0] as string), join(fx.inDir, 'copy-of-first.png'));
    // Write-then-rename, and a .part that is never renamed (must be ignored).
    writeFileSync(join(fx.inDir, 'renamed.dcm.part'), sample('dicom/fo-dicom/CR-MONO1-10-chest.dcm'));
    renameSync(join(fx.inDir, 'renamed.dcm.part'), join(fx.inDir, 'renamed.dcm'));
    writeFileSync(join(fx.inDir, 'still-copying.dcm.part'), sample('dicom/derived_transcodes/nih_DX_rle_1.2.5.dcm'));
    // Non-chest DICOMs and an unsupported file.
    copyFileSync(join(SAMPLES, 'dicom/non_chest/nccid_sample_OT_abdomen.dcm'), join(fx.inDir, 'abdomen.dcm'));
    copyFileSync(
      join(SAMPLES, 'dicom/non_chest/fo-dicom_CR-ModalitySequenceLUT_dental-panoramic.dcm'),
      join(fx.inDir, 'dental.dcm'),
    );
    writeFileSync(join(fx.inDir, 'notes.txt'), 'not an image at all\n');
    // A chest film's pixels tagged MONOCHROME1 (torchxrayvision's test file): shown as the tag says, a negative —
    // refused by the model's gate and named (3.1.x scored it).
    copyFileSync(join(SAMPLES, 'dicom/torchxrayvision/Fake_MONOHR1.dcm'), join(fx.inDir, 'shown-inverted.dcm'));
    // A truncated DICOM whose writer is long gone (mtime an hour ago): quarantined, not waited for.
    const full = sample('dicom/derived_transcodes/nih_DX_explicitLE.dcm');
    writeFileSync(join(fx.inDir, 'truncated.dcm'), full.subarray(0, Math.floor(full.length * 0.6)));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(fx.inDir, 'truncated.dcm'), hourAgo, hourAgo);
    // A 1024² DICOM written slowly: 8 chunks, 150 ms apart, 1.2 s (> stableMs) after the first.
    await writeSlowly(join(fx.inDir, 'slow.dcm'), full, 8, 150, 1200);

    const expectedScored = dropped.length + 2; // + renamed.dcm + slow.dcm
    await hub.waitFor(() => hub.results.size >= expectedScored, 40_000, `${expectedScored} results`);
    await hub.waitFor(() => agent.store.outboxSize() === 0, 10_000, 'outbox drained by acks');
    await new Promise((r) => setTimeout(r, 1500)); // nothing else may arrive

    assert.equal(hub.results.size, expectedScored);
    assert.equal(hub.invalid, 0);
    const imageKeys = new Set([...hub.results.values()].map((r) => r.keys.image));
    assert.equal(imageKeys.size, expectedScored, 'one result per distinct image');

    const quarantine = join(fx.dataDir, 'quarantine');
    const reasons = Object.fromEntries(
      readdirSync(quarantine)
        .filter((n) => n.endsWith('.error.json'))
        .map((n) => [n.replace('.error.json', ''), JSON.parse(readFileSync(join(quarantine, n), 'utf8')).code]),
    );
    assert.deepEqual(reasons, {
      'abdomen.dcm': 'CXR_ERR_AGENT_NOT_CHEST',
      'dental.dcm': 'CXR_ERR_AGENT_NOT_CHEST',
      'notes.txt': 'CXR_ERR_NOT_AN_IMAGE',
      'shown-inverted.dcm': 'CXR_ERR_FILM_ORIENTATION',
      'truncated.dcm': 'CXR_ERR_DICOM_TRUNCATED',
    });
    for (const name of Object.keys(reasons))
      assert.ok(existsSync(join(quarantine, name)), `${name} moved beside its reason`);

    const processed = readdirSync(join(fx.dataDir, 'processed')).sort();
    assert.ok(processed.includes('copy-of-first.png'), 'the duplicate is moved to processed/, not scored');
    assert.ok(processed.includes('slow.dcm') && processed.includes('renamed.dcm'));
    assert.deepEqual(readdirSync(fx.inDir), ['still-copying.dcm.part'], 'only the in-progress file is left');

    const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`^cxr_agent_files_scored_total ${expectedScored}$`, 'm'));
    assert.match(metrics, /^cxr_agent_files_duplicate_total 1$/m);
    assert.match(metrics, /^cxr_agent_files_quarantined_total\{code="CXR_ERR_AGENT_NOT_CHEST"\} 2$/m);
    assert.match(metrics, /^cxr_agent_files_quarantined_total\{code="CXR_ERR_FILM_ORIENTATION"\} 1$/m);
    assert.match(metrics, /^cxr_agent_outbox_size 0$/m);
    const health = (await (await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(health.ok, true);
    assert.equal(health.broker, 'connected');
    assert.equal(health.quarantined, 5);
  });

  it('sends a de-identified preview, the triage and an activation map per finding class (never Normal)', () => {
    const result = [...hub.results.values()].find((r) => r.image.rows === 1024 && r.image.format === 'dicom');
    assert.ok(result?.preview && result.activation && result.triage);
    assert.equal(result.preview.mime, 'image/jpeg');
    assert.equal(result.preview.width, 1024);
    assert.equal(Buffer.from(result.preview.base64, 'base64').subarray(0, 2).toString('hex'), 'ffd8');
    assert.deepEqual(Object.keys(result.activation.maps).sort(), [...result.triage.findingClasses].sort());
    assert.ok(!('Normal' in result.activation.maps));
    assert.equal(result.activation.width, result.activation.height, 'a square film gives a square grid');
    for (const map of Object.values(result.activation.maps)) {
      assert.equal(Buffer.from(map, 'base64').length, result.activation.width * result.activation.height);
    }
    assert.ok(!result.flags.includes('Normal'));
    assert.ok(['urgent', 'abnormal', 'indeterminate', 'likely-normal'].includes(result.triage.tier));
  });

  it('publishes a retained online status with backlog, outbox, model and runtime', async () => {
    await hub.waitFor(
      () => hub.statuses.some((s) => s.online && s.outbox === 0 && s.quarantined === 5),
      5000,
      'status',
    );
    const status = hub.statuses.findLast((s) => s.online);
    assert.equal(status?.model?.version, agent.model.manifest.version);
    assert.ok(status?.runtime === 'openvino' || status?.runtime === 'onnxruntime');
  });

  it('logs no file names, paths or DICOM identifiers, only pseudonymous image keys and codes', () => {
    assert.ok(logLines.length > 10, `captured ${logLines.length} log lines`);
    const text = logLines.join('\n');
    const dicoms = [
      'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
      'dicom/torchxrayvision/Fake_MONOHR1.dcm',
      'dicom/fo-dicom/CR-MONO1-10-chest.dcm',
    ];
    for (const value of [
      fx.inDir,
      'slow.dcm',
      'truncated.dcm',
      'abdomen.dcm',
      'copy-of-first',
      '00000032_038',
      ...phiValues(dicoms.map(sample)),
    ]) {
      assert.ok(!text.includes(value), `log mentions ${value}`);
    }
    assert.ok(logLines.some((l) => /"image":"[0-9a-f]{16}"/.test(l) && l.includes('"msg":"scored"')));
    assert.ok(logLines.some((l) => l.includes('"code":"CXR_ERR_AGENT_NOT_CHEST"')));
  });
});
