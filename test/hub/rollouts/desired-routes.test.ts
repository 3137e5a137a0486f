/**
 * GET /api/agents/:site/:agent/desired: an agent reads its own desired model over HTTP with its own login
 * (as on MQTT `model/desired`, capability URL rebuilt for the hub's public URL); no login 401, another agent's
 * 403, none chosen yet 404; an ETag of the answer, 304 while If-None-Match names it.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { createDesiredStore } from '../../../hub/rollouts/desired-store.ts';
import type { ModelDesired } from '../../../protocol/messages.ts';
import { hubConfig, PASSWORDS } from '../fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-2' };
let hub: BuiltHub;

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const get = (path: string, authorization?: string) =>
  hub.app.inject({ url: path, headers: authorization ? { authorization } : {} });

before(async () => {
  hub = await buildHub({ config: hubConfig({ http: { port: 0, publicUrl: 'https://hub.example' } }, [A, B]) });
});
after(() => hub.close());

it("serves an agent its own desired model, with the capability URL for the hub's public URL", async () => {
  const path = '/api/agents/clinic-a/xr-1/desired';
  assert.equal((await get(path, basic('clinic-a/xr-1', PASSWORDS.agent))).statusCode, 404, 'nothing chosen yet');
  const stored: ModelDesired = {
    v: 1,
    rolloutId: 'r-1',
    version: '1.1.0',
    sha256: 'a'.repeat(64),
    url: 'http://old-address/api/models/1.1.0/package.tar',
    sizeBytes: 1234,
  };
  await createDesiredStore(hub.db).put(A, stored, new Date().toISOString());
  const response = await get(path, basic('clinic-a/xr-1', PASSWORDS.agent));
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json() as ModelDesired;
  assert.deepEqual({ ...body, url: undefined }, { ...stored, url: undefined });
  assert.equal(body.url, hub.desired.urlFor(A, '1.1.0'));
  assert.ok(body.url.startsWith('https://hub.example/api/models/1.1.0/package.tar?agent=clinic-a/xr-1&token='));
});

it('refuses no login, a wrong password and another agent', async () => {
  const path = '/api/agents/clinic-a/xr-1/desired';
  assert.equal((await get(path)).statusCode, 401);
  assert.equal((await get(path, basic('clinic-a/xr-1', 'wrong'))).statusCode, 401);
  const other = await get(path, basic('clinic-b/xr-2', PASSWORDS.agent));
  assert.equal(other.statusCode, 403);
  assert.equal((other.json() as { error: { code: string } }).error.code, 'CXR_ERR_HUB_FORBIDDEN');
});

it('answers 304 with no body while If-None-Match names the current answer, 200 with a new ETag once it changes', async () => {
  const path = '/api/agents/clinic-b/xr-2/desired';
  const login = basic('clinic-b/xr-2', PASSWORDS.agent);
  const conditional = (etag: string) =>
    hub.app.inject({ url: path, headers: { authorization: login, 'if-none-match': etag } });
  const stored: ModelDesired = {
    v: 1,
    version: '2.0.0',
    sha256: 'b'.repeat(64),
    url: 'http://old-address/api/models/2.0.0/package.tar',
    sizeBytes: 99,
    issuedAt: '2026-12-01T00:00:00.000Z',
  };
  await createDesiredStore(hub.db).put(B, stored, stored.issuedAt as string);
  const first = await get(path, login);
  const etag = first.headers.etag as string;
  assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
  const same = await conditional(etag);
  assert.deepEqual([same.statusCode, same.body, same.headers.etag], [304, '', etag]);
  assert.equal((await conditional(`"other", W/${etag}`)).statusCode, 304, 'a list and a weak tag match too');

  await createDesiredStore(hub.db).put(B, { ...stored, version: '2.1.0' }, new Date().toISOString());
  const changed = await conditional(etag);
  assert.equal(changed.statusCode, 200);
  assert.equal((changed.json() as ModelDesired).version, '2.1.0');
  assert.notEqual(changed.headers.etag, etag);
});
