/**
 * Diagnostic images end to end (docs/viewing.md), real agent against the real hub (embedded broker, HTTP):
 * - the lossless image the hub serves equals, sample for sample, the agent's decoded and masked film (a 10-bit
 *   MONOCHROME1 CR, and an 8-bit PNG with a name drawn in a corner);
 * - the drawn name is masked in both the diagnostic image and the preview (checked on the pixels), and the
 *   result message says what was masked (boxes, no text);
 * - an upload killed halfway (agent SIGKILL, hub restart) resumes and completes once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pino from 'pino';
import sharp from 'sharp';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { type HubConfig, parseHubConfig } from '../../hub/config.ts';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { deidentifyPixels } from '../../models/deid/deidentify-pixels.ts';
import { openTextDetector } from '../../models/deid/text-detector.ts';
import { readImage } from '../../models/image/read-image.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import { agentFixture, REPO_ROOT, SAMPLES } from '../agent/fixture.ts';
import { login } from '../hub/harness.ts';
import { drawName, seededRandom } from '../support/burned-in-name.ts';

const silent = pino({ level: 'silent' });
const PASSWORD = 'agent-password-for-tests';
const RAD = 'radiologist-password';

function hubConfig(dataDir: string, ports: { http: number; mqtt: number } = { http: 0, mqtt: 0 }): HubConfig {
  return parseHubConfig({
    dataDir,
    http: { port: ports.http },
    mqtt: { broker: 'embedded', port: ports.mqtt },
    agents: [{ site: 'clinic-1', agent: 'room-2', passwordHash: hashPassword(PASSWORD) }],
    users: [{ username: 'rad', role: 'radiologist', passwordHash: hashPassword(RAD) }],
    logLevel: 'silent',
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The samples of a grey PNG (8- or 16-bit) as numbers. */
async function pngSamples(png: Buffer): Promise<number[]> {
  const meta = await sharp(png).metadata();
  const sixteen = meta.depth === 'ushort';
  const { data } = await sharp(png)
    .toColourspace(sixteen ? 'grey16' : 'b-w')
    .raw(sixteen ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  return sixteen ? [...new Uint16Array(data.buffer, data.byteOffset, data.length / 2)] : [...data];
}

describe('diagnostic images end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cxr-diagnostic-'));
  let hub: RunningHub;
  after(() => hub?.close());

  it('serves the agent’s decoded pixels exactly, with a drawn name masked in the diagnostic image and the preview', async () => {
    hub = await startHub(hubConfig(dataDir), { log: silent });
    // What the agent publishes, read with the hub's own login on the embedded broker.
    const published: ResultMessage[] = [];
    const listener = await mqtt.connectAsync(hub.mqttUrl, {
      ...hub.broker!.hubLogin,
      clientId: `diagnostic-test-${process.pid}`,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    listener.on('message', (_topic, payload) => published.push(JSON.parse(payload.toString()) as ResultMessage));
    await listener.subscribeAsync('cxr/v1/clinic-1/room-2/result', { qos: 1 });
    after(() => listener.endAsync());
    const fx = await agentFixture();
    const film = await readImage(readFileSync(join(SAMPLES, 'nih-fullres/00000061_012.png')));
    const grey = Uint8Array.from(film.pixels, (v) => Math.round(v * 255));
    const drawn = await drawName(grey, film.cols, film.rows, seededRandom(5), 'top-left');
    const namedPng = await sharp(Buffer.from(drawn.pixels), {
      raw: { width: film.cols, height: film.rows, channels: 1 },
    })
      .png()
      .toBuffer();
    const dicom = readFileSync(join(SAMPLES, 'dicom/fo-dicom/CR-MONO1-10-chest.dcm'));
    writeFileSync(join(fx.inDir, 'named.png'), namedPng);
    copyFileSync(join(SAMPLES, 'dicom/fo-dicom/CR-MONO1-10-chest.dcm'), join(fx.inDir, 'cr.dcm'));

    const base = fx.config(hub.mqttUrl);
    const config = parseAgentConfig(
      {
        ...base,
        mqtt: { ...(base.mqtt as object), username: 'clinic-1/room-2', password: PASSWORD },
        pixels: { policy: 'diagnostic', hubUrl: hub.httpUrl },
      },
      fx.root,
    );
    const agent = await startAgent(config, { logger: silent });
    try {
      const db = hub.hub.db.kysely;
      await until('two results and two stored images', async () => {
        const results = await db.selectFrom('results').select('result_id').execute();
        const stored = await db.selectFrom('images').select('sha256').execute();
        return results.length === 2 && stored.length === 2;
      });
    } finally {
      await agent.close();
    }

    const rad = await login(hub.httpUrl, 'rad', RAD);
    const detector = await openTextDetector({ side: 640, keepLaterality: true });
    try {
      const rows = await hub.hub.db.kysely.selectFrom('results').select(['result_id', 'image']).execute();
      for (const row of rows) {
        const format = (JSON.parse(row.image) as { format: string }).format;
        const expected = await readImage(format === 'png' ? namedPng : dicom, { diagnostic: true });
        const deid = await deidentifyPixels(expected, detector, 'mask');
        const response = await rad.get(`/api/studies/${row.result_id}/image`);
        assert.equal(response.status, 200);
        const served = Buffer.from(await response.arrayBuffer());
        assert.equal(response.headers.get('etag'), `"${createHash('sha256').update(served).digest('hex')}"`);
        assert.deepEqual(
          await pngSamples(served),
          [...(expected.diagnostic?.samples ?? [])],
          `${format}: pixel for pixel`,
        );

        const info = (await (await rad.get(`/api/studies/${row.result_id}/image-info`)).json()) as {
          header: Record<string, unknown>;
          diagnostic: { bitsStored: number; invert: boolean; window: { center: number; width: number } };
        };
        if (format === 'dicom') {
          assert.equal(info.diagnostic.bitsStored, 10);
          assert.equal(info.diagnostic.invert, true, 'MONOCHROME1 shows inverted');
          assert.deepEqual(info.diagnostic.window, { center: 550, width: 1024 });
          assert.equal(info.header.projection, 'PA');
          assert.equal(info.header.bodyPart, 'CHEST');
          continue;
        }
        // The result says what was masked: boxes in image pixels that cover the name, and no text.
        const message = published.find((m) => m.resultId === row.result_id);
        assert.ok(message?.deid, 'the published result carries its deid report');
        assert.equal(message.deid.pixels, 'sent');
        assert.deepEqual(message.deid.masked, deid.masked);
        assert.equal(message.diagnostic?.sha256, createHash('sha256').update(served).digest('hex'));
        const b = drawn.box;
        assert.ok(
          message.deid.masked.some((m) => m.x <= b.x && m.y <= b.y && m.x + m.w >= b.x + b.w && m.y + m.h >= b.y + b.h),
          'one mask covers the whole name',
        );
        assert.deepEqual(Object.keys(message.deid).sort(), ['detector', 'keptMarkers', 'masked', 'pixels'], 'no text');
        // The drawn name: every strong ink pixel is masked in the diagnostic image…
        assert.ok(deid.masked.length > 0, 'the detector found the name');
        const samples = await pngSamples(served);
        let strong = 0;
        let left = 0;
        for (let i = 0; i < drawn.ink.length; i++) {
          if (!drawn.ink[i] || (drawn.pixels[i] ?? 0) - (grey[i] ?? 0) < 32) continue;
          strong++;
          if (samples[i] !== 0) left++;
        }
        assert.ok(strong > 200, `the name has ink (${strong} pixels)`);
        assert.equal(left, 0, 'no ink pixel of the name survives in the diagnostic image');
        // …and in the preview (JPEG): the name's pixels are black, where the film drawn had them bright.
        const preview = await pngSamples(
          await sharp(Buffer.from(await (await rad.get(`/api/studies/${row.result_id}/preview`)).arrayBuffer()))
            .png()
            .toBuffer(),
        );
        assert.equal(preview.length, film.cols * film.rows);
        let sum = 0;
        let n = 0;
        for (let i = 0; i < drawn.ink.length; i++) {
          if (drawn.ink[i] && (drawn.pixels[i] ?? 0) - (grey[i] ?? 0) >= 32) {
            sum += preview[i] ?? 0;
            n++;
          }
        }
        assert.ok(sum / n < 12, `the preview is black where the name was (mean ${(sum / n).toFixed(1)})`);
      }
    } finally {
      await detector.close();
    }
  });

  it('resumes an upload killed halfway (agent SIGKILL, hub restart) and stores it once', async () => {
    const ports = { http: new URL(hub.httpUrl).port, mqtt: new URL(hub.mqttUrl).port };
    const fx = await agentFixture();
    // A 2048² 16-bit chest film whose low byte is noise: about 8 MB of PNG, sent in 64 KiB chunks. It must look
    // like a chest film (the model's gate quarantines pure noise before any upload); the noise keeps it large.
    const { data } = await sharp(join(SAMPLES, 'nih/images/00000013_009.png'))
      .greyscale()
      .resize(2048, 2048)
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const film = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    const random = seededRandom(3);
    for (let i = 0; i < film.length; i++) film[i] = ((film[i] ?? 0) & 0xff00) | Math.floor(random() * 256);
    const png = await sharp(film, { raw: { width: 2048, height: 2048, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const base = fx.config(hub.mqttUrl);
    const configPath = fx.writeConfig({
      ...base,
      mqtt: { ...(base.mqtt as object), username: 'clinic-1/room-2', password: PASSWORD },
      pixels: { policy: 'diagnostic', hubUrl: hub.httpUrl, uploadChunkBytes: 65_536 },
      http: { port: -1 },
    });
    const spawnAgent = (): ChildProcess =>
      spawn(process.execPath, [join(REPO_ROOT, 'bin/cxr.mjs'), 'agent', '--config', configPath], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, CXR_AGENT_LOG_LEVEL: 'error' },
      });
    let agent = spawnAgent();
    try {
      writeFileSync(join(fx.inDir, 'noise.png'), png);
      let partial = 0;
      await until('an upload in progress', async () => {
        assert.equal(agent.exitCode, null, 'the agent process is running');
        const partials = await hub.hub.images.files.partials();
        partial = partials[0]?.sizeBytes ?? 0;
        return partial > 0;
      });
      agent.kill('SIGKILL');
      await new Promise((r) => agent.once('exit', r));
      await hub.close();
      hub = await startHub(hubConfig(dataDir, { http: Number(ports.http), mqtt: Number(ports.mqtt) }), { log: silent });
      const left = (await hub.hub.images.files.partials())[0];
      assert.ok(left && left.sizeBytes > 0, 'the hub kept the bytes it had');
      const sha = left.sha256;
      assert.equal(await hub.hub.images.store.isStored(sha), false, 'not finished before the kill');
      agent = spawnAgent();
      await until('the image stored', () => {
        assert.equal(agent.exitCode, null, 'the restarted agent process is running');
        return hub.hub.images.store.isStored(sha);
      });
      const stored = readFileSync(hub.hub.images.files.pathOf(sha));
      assert.equal(createHash('sha256').update(stored).digest('hex'), sha);
      const rows = await hub.hub.db.kysely.selectFrom('images').select('sha256').where('sha256', '=', sha).execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(await hub.hub.images.files.partials(), []);
      await until('the agent’s queue empty', () => {
        const db = new Database(join(fx.dataDir, 'agent.db'), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM pixel_uploads').get() as { n: number }).n === 0;
        } finally {
          db.close();
        }
      });
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode !== null ? r(undefined) : agent.once('exit', r)));
    }
  });
});
