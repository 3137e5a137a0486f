/**
 * The model registry through `app.inject` on a built hub: publishing real signed tiny packages (verified,
 * stored content-addressed, idempotent, 409 on other bytes), refusals with their codes, publisher tokens,
 * aliases, and the package download with Range and the per-agent capability token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { generateKeyPair } from '../../../models/package/keys.ts';
import { PASSWORDS } from '../fixtures.ts';
import { PUBLISH_TOKEN, packageTar, registryHubConfig } from '../registry-fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const codeOf = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;

describe('model registry API (inject)', () => {
  let hub: BuiltHub;
  let dataDir: string;
  let tar: Buffer;
  let admin: { cookie: string; csrf: string };

  async function login(username: string, password: string) {
    const response = await hub.app.inject({ method: 'POST', url: '/api/session', payload: { username, password } });
    const cookie = response.cookies.find((c) => c.name === 'cxr_session')!;
    return { cookie: `cxr_session=${cookie.value}`, csrf: (response.json() as { csrf: string }).csrf };
  }

  const publish = (body: Buffer, token: string | null = PUBLISH_TOKEN, query = '') =>
    hub.app.inject({
      method: 'POST',
      url: `/api/models${query}`,
      headers: { 'content-type': 'application/x-tar', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: body,
    });

  const audit = async (action: string) => {
    const response = await hub.app.inject({ url: `/api/audit?limit=500`, headers: { cookie: admin.cookie } });
    return (
      response.json() as { entries: { actor: string; action: string; target: string | null; after: unknown }[] }
    ).entries.filter((e) => e.action === action);
  };

  before(async () => {
    const config = registryHubConfig({ models: { ...registryHubConfig().models, maxPackageBytes: 1024 * 1024 } });
    dataDir = config.dataDir;
    hub = await buildHub({ config, publishDesired: () => {} });
    tar = await packageTar('1.0.0', { meanAuroc: 0.842 });
    admin = await login('boss', PASSWORDS.admin);
  });
  after(() => hub.close());

  it('publishes a real signed package: verified, stored as <sha256>.tar, registered and audited', async () => {
    const response = await publish(tar, PUBLISH_TOKEN, '?alias=candidate');
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json() as { created: boolean; model: Record<string, unknown> };
    assert.equal(body.created, true);
    assert.equal(body.model.version, '1.0.0');
    assert.equal(body.model.name, 'tiny-densenet');
    assert.equal(body.model.sha256, sha256(tar));
    assert.equal(body.model.sizeBytes, tar.length);
    assert.equal(body.model.meanAuroc, 0.842);
    assert.equal(body.model.publishedBy, 'ci');
    assert.deepEqual(body.model.aliases, ['candidate']);
    assert.ok(existsSync(join(dataDir, 'models', `${sha256(tar)}.tar`)));
    const [entry] = await audit('model.publish');
    assert.deepEqual([entry?.actor, entry?.target], ['ci', '1.0.0']);
  });

  it('accepts the same bytes again as idempotent (200) and refuses other bytes under that version (409)', async () => {
    const again = await publish(tar);
    assert.equal(again.statusCode, 200);
    assert.equal((again.json() as { created: boolean }).created, false);
    assert.equal((await audit('model.republish')).length, 1);

    const other = await packageTar('1.0.0', { seed: 2 });
    const conflict = await publish(other);
    assert.equal(conflict.statusCode, 409);
    assert.equal(codeOf(conflict), 'CXR_ERR_HUB_MODEL_VERSION_EXISTS');
    assert.equal(existsSync(join(dataDir, 'models', `${sha256(other)}.tar`)), false, 'refused bytes are not kept');
    assert.equal((await audit('model.publish-refused'))[0]?.target, '1.0.0');
  });

  it('refuses a tar with one byte of model.onnx changed (hash mismatch) and a package by an unknown signer', async () => {
    const tampered = Buffer.from(await packageTar('1.0.1'));
    let header = 0; // the 512-byte ustar header whose name field is model.onnx; its content follows
    while (tampered.subarray(header, header + 10).toString() !== 'model.onnx') header += 512;
    tampered[header + 512 + 1000] = (tampered[header + 512 + 1000] ?? 0) ^ 0xff;
    const refused = await publish(tampered);
    assert.equal(refused.statusCode, 400);
    assert.equal(codeOf(refused), 'CXR_ERR_PACKAGE_HASH_MISMATCH');

    const stranger = await publish(await packageTar('1.0.2', { keyPair: generateKeyPair() }));
    assert.equal(stranger.statusCode, 400);
    assert.equal(codeOf(stranger), 'CXR_ERR_PACKAGE_UNTRUSTED_KEY');
    const list = (await hub.app.inject({ url: '/api/models', headers: { cookie: admin.cookie } })).json() as {
      models: { version: string }[];
    };
    assert.deepEqual(
      list.models.map((m) => m.version),
      ['1.0.0'],
    );
  });

  it('needs a valid publisher token (401), a tar content type (415) and a body under the limit (413)', async () => {
    for (const token of [null, 'wrong-token']) {
      const response = await publish(tar, token);
      assert.equal(response.statusCode, 401);
      assert.equal(codeOf(response), 'CXR_ERR_HUB_UNAUTHENTICATED');
    }
    const session = await hub.app.inject({
      method: 'POST',
      url: '/api/models',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/x-tar' },
      payload: tar,
    });
    assert.equal(session.statusCode, 401, 'a dashboard session cannot publish');
    const json = await hub.app.inject({
      method: 'POST',
      url: '/api/models',
      headers: { authorization: `Bearer ${PUBLISH_TOKEN}`, 'content-type': 'application/json' },
      payload: { not: 'a tar' },
    });
    assert.equal(json.statusCode, 415);
    assert.equal(codeOf(json), 'CXR_ERR_HUB_UNSUPPORTED_MEDIA_TYPE');
    const big = await publish(Buffer.alloc(1024 * 1024 + 1));
    assert.equal(big.statusCode, 413);
    assert.equal(codeOf(big), 'CXR_ERR_HUB_BODY_TOO_LARGE');
    const junk = await publish(Buffer.from('not a tar at all'));
    assert.equal(codeOf(junk), 'CXR_ERR_PACKAGE_TAR_INVALID');
  });

  it('moves an alias as admin with CSRF only, audited with before and after', async () => {
    const url = '/api/models/aliases/production';
    const rad = await login('rad', PASSWORDS.radiologist);
    const payload = { version: '1.0.0' };
    assert.equal(
      (await hub.app.inject({ method: 'PUT', url, payload, headers: { cookie: rad.cookie, 'x-csrf-token': rad.csrf } }))
        .statusCode,
      403,
    );
    assert.equal(
      (await hub.app.inject({ method: 'PUT', url, payload, headers: { cookie: admin.cookie } })).statusCode,
      403,
    );
    const unknown = await hub.app.inject({
      method: 'PUT',
      url,
      payload: { version: '9.9.9' },
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    assert.equal(codeOf(unknown), 'CXR_ERR_HUB_MODEL_NOT_FOUND');
    const ok = await hub.app.inject({
      method: 'PUT',
      url,
      payload,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual((ok.json() as { version: string; updatedBy: string }).updatedBy, 'boss');
    const list = (await hub.app.inject({ url: '/api/models', headers: { cookie: rad.cookie } })).json() as {
      models: { aliases: string[] }[];
      aliases: { alias: string }[];
    };
    assert.deepEqual(list.models[0]?.aliases, ['candidate', 'production']);
    const entry = (await audit('model.alias')).find((e) => e.target === 'production');
    assert.deepEqual(entry?.after, { version: '1.0.0' });
  });

  it('serves the package with Range (206), 416 past the end, etag and accept-ranges', async () => {
    const url = '/api/models/1.0.0/package.tar';
    const full = await hub.app.inject({ url, headers: { cookie: admin.cookie } });
    assert.equal(full.statusCode, 200);
    assert.equal(full.headers['accept-ranges'], 'bytes');
    assert.equal(full.headers.etag, `"${sha256(tar)}"`);
    assert.equal(Number(full.headers['content-length']), tar.length);
    assert.ok(full.rawPayload.equals(tar));

    const part = await hub.app.inject({ url, headers: { cookie: admin.cookie, range: 'bytes=100-199' } });
    assert.equal(part.statusCode, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${tar.length}`);
    assert.ok(part.rawPayload.equals(tar.subarray(100, 200)));
    const rest = await hub.app.inject({ url, headers: { cookie: admin.cookie, range: `bytes=${tar.length - 10}-` } });
    assert.ok(rest.rawPayload.equals(tar.subarray(tar.length - 10)));
    const suffix = await hub.app.inject({ url, headers: { cookie: admin.cookie, range: 'bytes=-7' } });
    assert.ok(suffix.rawPayload.equals(tar.subarray(tar.length - 7)));
    const stale = await hub.app.inject({
      url,
      headers: { cookie: admin.cookie, range: 'bytes=0-9', 'if-range': '"other"' },
    });
    assert.equal(stale.statusCode, 200, 'If-Range with another etag: the whole file');

    const past = await hub.app.inject({ url, headers: { cookie: admin.cookie, range: `bytes=${tar.length}-` } });
    assert.equal(past.statusCode, 416);
    assert.equal(past.headers['content-range'], `bytes */${tar.length}`);
    assert.equal(codeOf(past), 'CXR_ERR_HUB_RANGE_NOT_SATISFIABLE');
    const missing = await hub.app.inject({ url: '/api/models/7.7.7/package.tar', headers: { cookie: admin.cookie } });
    assert.equal(missing.statusCode, 404);
  });

  it('lets an agent download with its own capability URL only, and a publisher with its token', async () => {
    const capability = new URL(hub.desired.urlFor(A, '1.0.0'));
    assert.equal(capability.searchParams.get('agent'), 'clinic-a/xr-1');
    const path = `${capability.pathname}${capability.search}`;
    const ok = await hub.app.inject({ url: path, headers: { range: 'bytes=0-99' } });
    assert.equal(ok.statusCode, 206);

    const token = capability.searchParams.get('token')!;
    const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const forged = [
      `/api/models/1.0.0/package.tar?agent=clinic-a/xr-1&token=${flipped}`,
      `/api/models/1.0.0/package.tar?agent=clinic-b/xr-9&token=${token}`,
      `/api/models/1.0.0/package.tar?agent=clinic-a/xr-1`,
      `/api/models/1.0.0/package.tar?agent=nonsense&token=${token}`,
    ];
    for (const url of forged) {
      const response = await hub.app.inject({ url });
      assert.equal(response.statusCode, 403, url);
      assert.equal(codeOf(response), 'CXR_ERR_HUB_CAPABILITY_INVALID');
    }
    assert.equal((await hub.app.inject({ url: '/api/models/1.0.0/package.tar' })).statusCode, 401);
    const publisher = await hub.app.inject({
      url: '/api/models/1.0.0/package.tar',
      headers: { authorization: `Bearer ${PUBLISH_TOKEN}` },
    });
    assert.equal(publisher.statusCode, 200);
    const wrongBearer = await hub.app.inject({
      url: '/api/models/1.0.0/package.tar',
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(wrongBearer.statusCode, 401);
  });

  it('lists the models route in the OpenAPI document', async () => {
    const doc = (await hub.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
    for (const path of ['/api/models', '/api/models/{version}/package.tar', '/api/rollouts', '/api/pins']) {
      assert.ok(path in doc.paths, path);
    }
  });
});
