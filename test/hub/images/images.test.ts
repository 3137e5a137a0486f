/**
 * hub/images on a built hub (app.inject, real SQLite, real files): the resumable, authenticated upload, the
 * image served with ETag and Range only for its own agent's result, priors by patient key, storage use and
 * retention by size and age.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import type { ResultMessage } from '../../../protocol/messages.ts';
import type { DiagnosticImage } from '../../../protocol/pixel-messages.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../fixtures.ts';
import { type InjectUser, injectLogin } from '../inject-session.ts';

const silent = pino({ level: 'silent' });
const AGENTS = [
  { site: 'clinic-a', agent: 'xr-1' },
  { site: 'clinic-a', agent: 'xr-2' },
];

async function film(seed: number): Promise<{ png: Buffer; image: DiagnosticImage }> {
  const samples = new Uint16Array(64 * 48);
  for (let i = 0; i < samples.length; i++) samples[i] = (i * 37 + seed * 101) % 4096;
  const png = await sharp(samples, { raw: { width: 64, height: 48, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  const image: DiagnosticImage = {
    sha256: createHash('sha256').update(png).digest('hex'),
    sizeBytes: png.byteLength,
    mime: 'image/png',
    width: 64,
    height: 48,
    bitsStored: 12,
    slope: 1,
    intercept: 0,
    window: { center: 2048, width: 4096 },
    invert: false,
    pixelSpacingMm: [0.15, 0.15],
    spacingSource: 'PixelSpacing',
  };
  return { png, image };
}

const basic = (agent: string, password = PASSWORDS.agent) =>
  `Basic ${Buffer.from(`clinic-a/${agent}:${password}`).toString('base64')}`;

describe('diagnostic images on the hub', () => {
  let hub: BuiltHub;
  let rad: InjectUser;
  let admin: InjectUser;

  const announce = (agent: string, resultId: string, image: DiagnosticImage, password?: string) =>
    hub.app.inject({
      method: 'POST',
      url: '/api/agent/images',
      headers: { authorization: basic(agent, password) },
      payload: { v: 1, resultId, image },
    });
  const patch = (agent: string, sha: string, offset: number, bytes: Buffer) =>
    hub.app.inject({
      method: 'PATCH',
      url: `/api/agent/images/${sha}`,
      headers: {
        authorization: basic(agent),
        'content-type': 'application/octet-stream',
        'upload-offset': String(offset),
      },
      payload: bytes,
    });
  const ingest = async (message: ResultMessage) => {
    hub.dispatch(
      topicFor({ site: message.site, agent: message.agent }, 'result'),
      Buffer.from(JSON.stringify(message)),
    );
    await hub.drain();
  };

  before(async () => {
    hub = await buildHub({ config: hubConfig({}, AGENTS), log: silent });
    rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
    admin = await injectLogin(hub, 'boss', PASSWORDS.admin);
  });
  after(() => hub.close());

  it('takes an upload in chunks, resumes at the hub offset and serves the exact bytes with ETag and Range', async () => {
    const { png, image } = await film(1);
    const result = await resultMessage({ agent: 'xr-1' });
    const first = await announce('xr-1', result.resultId, image);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { sha256: image.sha256, offset: 0, complete: false });
    const half = Math.floor(png.byteLength / 2);
    assert.equal((await patch('xr-1', image.sha256, 0, png.subarray(0, half))).json().offset, half);
    // A retry of the first chunk (the agent lost the answer): 409 with the hub's offset.
    const stale = await patch('xr-1', image.sha256, 0, png.subarray(0, half));
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().offset, half);
    // Announcing again (agent restarted) answers the offset to resume from.
    assert.equal((await announce('xr-1', result.resultId, image)).json().offset, half);
    const done = await patch('xr-1', image.sha256, half, png.subarray(half));
    assert.deepEqual(done.json(), { sha256: image.sha256, offset: png.byteLength, complete: true });

    assert.equal((await rad.get(`/api/studies/${result.resultId}/image`)).statusCode, 404, 'no result yet');
    await ingest(result);
    const served = await hub.app.inject({
      url: `/api/studies/${result.resultId}/image`,
      headers: { cookie: rad.cookie },
    });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/png');
    assert.equal(served.headers.etag, `"${image.sha256}"`);
    assert.equal(served.headers['x-cxr-window-center'], '2048');
    assert.deepEqual(served.rawPayload, png);
    const range = await hub.app.inject({
      url: `/api/studies/${result.resultId}/image`,
      headers: { cookie: rad.cookie, range: 'bytes=10-29' },
    });
    assert.equal(range.statusCode, 206);
    assert.deepEqual(range.rawPayload, png.subarray(10, 30));
    const cached = await hub.app.inject({
      url: `/api/studies/${result.resultId}/image`,
      headers: { cookie: rad.cookie, 'if-none-match': `"${image.sha256}"` },
    });
    assert.equal(cached.statusCode, 304);
    const info = (await rad.get(`/api/studies/${result.resultId}/image-info`)).json() as {
      diagnostic: DiagnosticImage & { stored: boolean };
    };
    assert.equal(info.diagnostic.stored, true);
    assert.deepEqual(info.diagnostic.pixelSpacingMm, [0.15, 0.15]);
    // Without a session: refused like the preview.
    assert.equal((await hub.app.inject({ url: `/api/studies/${result.resultId}/image` })).statusCode, 401);
  });

  it('refuses wrong logins, bytes that do not hash to the announced sha256, and another agent’s image', async () => {
    const { png, image } = await film(2);
    const result = await resultMessage({ agent: 'xr-1' });
    assert.equal((await announce('xr-1', result.resultId, image, 'wrong')).statusCode, 401);
    assert.equal((await patch('xr-2', image.sha256, 0, png)).statusCode, 404, 'xr-2 never announced it');
    await announce('xr-1', result.resultId, image);
    const corrupt = Buffer.from(png);
    corrupt[corrupt.length - 5] = (corrupt[corrupt.length - 5] ?? 0) ^ 0xff;
    const refused = await patch('xr-1', image.sha256, 0, corrupt);
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().error.code, 'CXR_ERR_HUB_IMAGE_SHA256_MISMATCH');
    assert.equal((await announce('xr-1', result.resultId, image)).json().offset, 0, 'starts over');
    // xr-2 announces the same bytes for xr-1's result: the link is not served for xr-1's study.
    const other = await film(3);
    await announce('xr-2', result.resultId, other.image);
    await patch('xr-2', other.image.sha256, 0, other.png);
    await ingest(result);
    assert.equal((await rad.get(`/api/studies/${result.resultId}/image`)).statusCode, 404);
  });

  it('lists a patient’s earlier studies with relative dates and no identifiers', async () => {
    const patient = createHash('sha256').update('patient-7').digest('hex').slice(0, 32);
    const day = 86_400_000;
    const older = await resultMessage({
      keys: { image: 'a'.repeat(32), patient },
      acquiredAt: new Date(Date.now() - 20 * day).toISOString(),
      receivedAt: new Date(Date.now() - 20 * day).toISOString(),
    });
    const newer = await resultMessage({
      keys: { image: 'b'.repeat(32), patient },
      acquiredAt: new Date(Date.now() - 2 * day).toISOString(),
      receivedAt: new Date(Date.now() - 2 * day).toISOString(),
    });
    const stranger = await resultMessage({ keys: { image: 'c'.repeat(32) } });
    for (const m of [older, newer, stranger]) await ingest(m);
    const response = await rad.get(`/api/studies/${newer.resultId}/priors`);
    assert.equal(response.statusCode, 200);
    const body = response.json() as { priors: { resultId: string; daysBefore: number; tier: string; read: null }[] };
    assert.equal(body.priors.length, 1);
    assert.equal(body.priors[0]?.resultId, older.resultId);
    assert.ok(body.priors[0]!.daysBefore >= 17 && body.priors[0]!.daysBefore <= 18, String(body.priors[0]!.daysBefore));
    assert.equal(body.priors[0]?.read, null);
    assert.ok(!JSON.stringify(body).includes(patient), 'the patient key never leaves the hub');
    assert.deepEqual((await rad.get(`/api/studies/${older.resultId}/priors`)).json(), {
      resultId: older.resultId,
      priors: [],
    });
  });

  it('shows storage use to admins only and deletes the oldest images past the size limit', async () => {
    assert.equal((await rad.get('/api/admin/storage')).statusCode, 403);
    const usage = (await admin.get('/api/admin/storage')).json() as { images: number; bytes: number };
    assert.ok(usage.images >= 2);
    const sizeHub = await buildHub({ config: hubConfig({ images: { maxTotalBytes: 1 } }, AGENTS), log: silent });
    try {
      const { png, image } = await film(9);
      await sizeHub.app.inject({
        method: 'POST',
        url: '/api/agent/images',
        headers: { authorization: basic('xr-1') },
        payload: { v: 1, resultId: 'f'.repeat(64), image },
      });
      await sizeHub.app.inject({
        method: 'PATCH',
        url: `/api/agent/images/${image.sha256}`,
        headers: { authorization: basic('xr-1'), 'content-type': 'application/octet-stream', 'upload-offset': '0' },
        payload: png,
      });
      assert.equal((await sizeHub.images.store.usage()).images, 1);
      const swept = await sizeHub.images.retention.sweep();
      assert.equal(swept.images, 1);
      assert.equal((await sizeHub.images.store.usage()).images, 0);
      assert.equal(sizeHub.images.files.storedSize(image.sha256), undefined);
    } finally {
      await sizeHub.close();
    }
  });
});
