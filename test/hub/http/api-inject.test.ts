/**
 * The API through `app.inject` on a hub that is built but not listening (buildHub), with results fed
 * straight into ingest via `dispatch`: auth, roles, CSRF, validation, cursor paging, reads, OpenAPI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import type { AckMessage } from '../../../protocol/messages.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };

describe('hub API (inject)', () => {
  let hub: BuiltHub;
  const acks: AckMessage[] = [];

  before(async () => {
    hub = await buildHub({ config: hubConfig(), publishAck: (_address, ack) => acks.push(ack) });
  });
  after(() => hub.close());

  async function login(username: string, password: string) {
    const response = await hub.app.inject({ method: 'POST', url: '/api/session', payload: { username, password } });
    assert.equal(response.statusCode, 200);
    const cookie = response.cookies.find((c) => c.name === 'cxr_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    return { cookie: `cxr_session=${cookie.value}`, csrf: (response.json() as { csrf: string }).csrf };
  }

  async function ingest(n: number) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const message = await resultMessage({ flags: i % 2 ? [] : ['Effusion'] });
      hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
      ids.push(message.resultId);
    }
    await hub.resultHandler.drain();
    return ids;
  }

  it('acks a dispatched result only once it is committed, and a re-send as duplicate', async () => {
    const message = await resultMessage();
    const payload = Buffer.from(JSON.stringify(message));
    hub.dispatch(topicFor(A, 'result'), payload);
    assert.equal(acks.filter((a) => a.resultId === message.resultId).length, 0, 'no ack before the commit');
    await hub.resultHandler.drain();
    assert.equal(acks.find((a) => a.resultId === message.resultId)?.status, 'stored');
    hub.dispatch(topicFor(A, 'result'), payload);
    await hub.resultHandler.drain();
    assert.deepEqual(
      acks.filter((a) => a.resultId === message.resultId).map((a) => a.status),
      ['stored', 'duplicate'],
    );
  });

  it('refuses requests without a session (401) and admin routes to radiologists (403)', async () => {
    assert.equal((await hub.app.inject({ url: '/api/worklist' })).statusCode, 401);
    const rad = await login('rad', PASSWORDS.radiologist);
    assert.equal((await hub.app.inject({ url: '/api/audit', headers: { cookie: rad.cookie } })).statusCode, 403);
    assert.equal((await hub.app.inject({ url: '/api/ingest', headers: { cookie: rad.cookie } })).statusCode, 403);
    const admin = await login('boss', PASSWORDS.admin);
    const counters = await hub.app.inject({ url: '/api/ingest', headers: { cookie: admin.cookie } });
    assert.equal(counters.statusCode, 200);
    assert.ok((counters.json() as { stored: number }).stored >= 1);
  });

  it('pages the worklist with an opaque cursor and rejects a forged one', async () => {
    await ingest(7);
    const rad = await login('rad', PASSWORDS.radiologist);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const url: string = `/api/worklist?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await hub.app.inject({ url, headers: { cookie: rad.cookie } })).json() as {
        items: { resultId: string }[];
        nextCursor: string | null;
      };
      for (const item of page.items) seen.add(item.resultId);
      cursor = page.nextCursor;
    } while (cursor);
    assert.ok(seen.size >= 8);
    const bad = await hub.app.inject({ url: '/api/worklist?cursor=bm9wZQ', headers: { cookie: rad.cookie } });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_BAD_REQUEST');
    const badQuery = await hub.app.inject({ url: '/api/worklist?limit=5000', headers: { cookie: rad.cookie } });
    assert.equal(badQuery.statusCode, 400);
  });

  it('needs the CSRF token for a read and refuses unknown classes', async () => {
    const [id] = await ingest(1);
    const rad = await login('rad', PASSWORDS.radiologist);
    const url = `/api/studies/${id}/reads`;
    const payload = {
      decisions: { Atelectasis: 'absent', Effusion: 'absent', Pneumonia: 'absent' },
      impression: 'No effusion.',
      basedOn: 0,
    };
    const noToken = await hub.app.inject({ method: 'POST', url, payload, headers: { cookie: rad.cookie } });
    assert.equal(noToken.statusCode, 403);
    assert.equal((noToken.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_CSRF');
    const headers = { cookie: rad.cookie, 'x-csrf-token': rad.csrf };
    const unknown = await hub.app.inject({
      method: 'POST',
      url,
      headers,
      payload: { ...payload, decisions: { ...payload.decisions, Fracture: 'present' } },
    });
    assert.equal(unknown.statusCode, 422);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_READ_INVALID');
    const ok = await hub.app.inject({ method: 'POST', url, headers, payload });
    assert.equal(ok.statusCode, 201);
    const missing = await hub.app.inject({
      method: 'POST',
      url: `/api/studies/${'0'.repeat(64)}/reads`,
      headers,
      payload,
    });
    assert.equal(missing.statusCode, 404);
  });

  it('shows a study’s safe header data and what was masked at the clinic, never the boxes’ text', async () => {
    const message = await resultMessage({
      image: {
        format: 'dicom',
        rows: 2048,
        cols: 2048,
        modality: 'DX',
        projection: 'PA',
        ageBand: '60-64',
        sex: 'F',
        acquiredDaysAgo: 0,
        pixelSpacingMm: [0.139, 0.139],
        spacingSource: 'ImagerPixelSpacing',
      },
      deid: {
        pixels: 'sent',
        masked: [
          { x: 10, y: 10, w: 200, h: 40 },
          { x: 1800, y: 20, w: 180, h: 30 },
        ],
        keptMarkers: [{ x: 1900, y: 1900, w: 40, h: 40 }],
        detector: 'pp-ocrv4-det',
      },
    });
    hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
    await hub.resultHandler.drain();
    const rad = await login('rad', PASSWORDS.radiologist);
    const detail = (
      await hub.app.inject({ url: `/api/studies/${message.resultId}`, headers: { cookie: rad.cookie } })
    ).json() as {
      image: Record<string, unknown>;
      deid: { pixels: string; masked: number; keptMarkers: number };
    };
    assert.deepEqual(detail.deid, { pixels: 'sent', masked: 2, keptMarkers: 1 });
    assert.equal(detail.image.ageBand, '60-64');
    assert.deepEqual(detail.image.pixelSpacingMm, [0.139, 0.139]);
  });

  it('serves an OpenAPI document that describes every API route', async () => {
    const doc = (await hub.app.inject({ url: '/api/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, object>;
    };
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/api/worklist',
      '/api/studies/{resultId}',
      '/api/studies/{resultId}/reads',
      '/api/studies/{resultId}/claim',
      '/api/fleet',
      '/api/stats',
      '/api/audit',
      '/api/events',
    ]) {
      assert.ok(path in doc.paths, path);
    }
  });
});
