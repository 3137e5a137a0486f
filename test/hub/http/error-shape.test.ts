/**
 * Every error answer has the shape `{ error: { code, message } }` (issue #17 item 7), including those Fastify
 * gives before a route runs: no such route (API, dashboard file, method), a URL that cannot be decoded, a
 * body that is not JSON or is empty, too large, or of a type the route does not take.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { hubConfig } from '../fixtures.ts';

describe('error shape', () => {
  let hub: BuiltHub;
  before(async () => {
    hub = await buildHub({ config: hubConfig() });
  });
  after(() => hub.close());

  const cases: { name: string; status: number; code: string; request: InjectOptions }[] = [
    { name: 'unknown API route', status: 404, code: 'CXR_ERR_HUB_NOT_FOUND', request: { url: '/api/nope' } },
    { name: 'unknown dashboard file', status: 404, code: 'CXR_ERR_HUB_NOT_FOUND', request: { url: '/nope.js' } },
    {
      name: 'method a route does not have',
      status: 404,
      code: 'CXR_ERR_HUB_NOT_FOUND',
      request: { method: 'DELETE', url: '/api/worklist' },
    },
    { name: 'stray % in the path', status: 400, code: 'CXR_ERR_HUB_BAD_REQUEST', request: { url: '/api/studies/%' } },
    {
      name: 'bad percent-encoding',
      status: 400,
      code: 'CXR_ERR_HUB_BAD_REQUEST',
      request: { url: '/api/studies/%E0%A4%A' },
    },
    {
      name: 'body that is not JSON',
      status: 400,
      code: 'CXR_ERR_HUB_BAD_REQUEST',
      request: {
        method: 'POST',
        url: '/api/session',
        payload: '{"username": "rad",',
        headers: { 'content-type': 'application/json' },
      },
    },
    {
      name: 'empty JSON body',
      status: 400,
      code: 'CXR_ERR_HUB_BAD_REQUEST',
      request: { method: 'POST', url: '/api/session', payload: '', headers: { 'content-type': 'application/json' } },
    },
    {
      name: 'body over the limit',
      status: 413,
      code: 'CXR_ERR_HUB_BODY_TOO_LARGE',
      request: {
        method: 'POST',
        url: '/api/session',
        payload: JSON.stringify({ username: 'x'.repeat(70_000), password: 'y' }),
        headers: { 'content-type': 'application/json' },
      },
    },
    {
      name: 'content type the route does not take',
      status: 415,
      code: 'CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE',
      request: { method: 'POST', url: '/api/session', payload: '<a/>', headers: { 'content-type': 'application/xml' } },
    },
  ];

  for (const { name, status, code, request } of cases) {
    it(`answers a ${name} with ${status} ${code}`, async () => {
      const response = await hub.app.inject(request);
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type'] ?? ''), /^application\/json/);
      const body = response.json() as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 0);
    });
  }
});
