/**
 * Damaged images end to end (issue #17), with a REAL Mosquitto, the real ack-ing test hub and a real agent:
 * sample files whose compressed data has 500 bytes overwritten (a JPEG Baseline DICOM, a JPEG Lossless DICOM,
 * a plain JPEG) are quarantined with CXR_ERR_DECODE_FAILED and never scored or published; the intact file
 * dropped beside them is scored as usual.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { type AgentFixture, agentFixture, SAMPLES } from '../agent/fixture.ts';
import { compressedRange, overwrite } from '../models/image/damage.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

describe('damaged images (real broker, real agent)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;
  let fx: AgentFixture;
  let agent: RunningAgent;

  before(async () => {
    broker = await startMosquitto();
    hub = await startAckResponder(broker.url);
    fx = await agentFixture();
    agent = await startAgent(parseAgentConfig(fx.config(broker.url), fx.root), { logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await agent?.close();
    await hub?.close();
    await broker?.stop();
  });

  it('quarantines damaged compressed data with CXR_ERR_DECODE_FAILED and publishes no result for it', async () => {
    const damaged: Record<string, Uint8Array> = {};
    for (const [name, rel] of [
      ['baseline.dcm', 'dicom/derived_transcodes/nih_DX_jpeg_baseline_4.50.dcm'],
      ['lossless.dcm', 'dicom/derived_transcodes/nih_DX_jpeg_lossless_sv1_4.70.dcm'],
    ] as const) {
      const bytes = readFileSync(join(SAMPLES, rel));
      damaged[name] = overwrite(bytes, compressedRange(bytes, true), 7);
    }
    const jpeg = new Uint8Array(await sharp(join(SAMPLES, 'nih-fullres/00000061_015.png')).jpeg().toBuffer());
    damaged['film.jpg'] = overwrite(jpeg, compressedRange(jpeg, false), 7);
    // Written an hour ago: a decode failure of a file still being written is retried for a grace period.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const [name, bytes] of Object.entries(damaged)) {
      writeFileSync(join(fx.inDir, name), bytes);
      utimesSync(join(fx.inDir, name), hourAgo, hourAgo);
    }
    copyFileSync(join(SAMPLES, 'dicom/derived_transcodes/nih_DX_jpeg_baseline_4.50.dcm'), join(fx.inDir, 'intact.dcm'));

    const quarantine = join(fx.dataDir, 'quarantine');
    const reason = (name: string): string | undefined => {
      const path = join(quarantine, `${name}.error.json`);
      return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).code : undefined;
    };
    await hub.waitFor(
      () => hub.results.size >= 1 && Object.keys(damaged).every((name) => reason(name) !== undefined),
      40_000,
      'the intact result and three quarantined files',
    );
    await hub.waitFor(() => agent.store.outboxSize() === 0, 10_000, 'outbox drained by acks');
    await new Promise((r) => setTimeout(r, 1500)); // nothing else may arrive

    for (const name of Object.keys(damaged)) assert.equal(reason(name), 'CXR_ERR_DECODE_FAILED', name);
    assert.equal(hub.results.size, 1, 'only the intact film is scored');
    assert.deepEqual(readdirSync(fx.inDir), []);
    const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
    assert.match(metrics, /^cxr_agent_files_scored_total 1$/m);
    assert.match(metrics, /^cxr_agent_files_quarantined_total\{code="CXR_ERR_DECODE_FAILED"\} 3$/m);
  });
});
