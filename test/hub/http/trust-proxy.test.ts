/**
 * `http.trustProxy`: behind a load balancer the client's address comes from X-Forwarded-For, so the audit log
 * and the per-address login throttle see the reader, not the balancer; by default the header is ignored
 * (anyone could send it) and the connection's peer counts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildHub } from '../../../hub/main.ts';
import { hubConfig } from '../fixtures.ts';

async function failedLoginSource(http: Record<string, unknown>): Promise<string | null> {
  const hub = await buildHub({ config: hubConfig({ http: { port: 0, ...http } }) });
  try {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/session',
      remoteAddress: '10.0.0.5', // the load balancer
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      payload: { username: 'rad', password: 'wrong' },
    });
    assert.equal(response.statusCode, 401);
    const [entry] = await hub.audit.list({ limit: 1, action: 'login.failure' });
    return entry?.source ?? null;
  } finally {
    await hub.close();
  }
}

it("takes the client's address from X-Forwarded-For when the balancer is trusted", async () => {
  assert.equal(await failedLoginSource({ trustProxy: ['10.0.0.0/8'] }), '203.0.113.7');
  assert.equal(await failedLoginSource({ trustProxy: true }), '203.0.113.7');
});

it('ignores X-Forwarded-For by default, and from a peer that is not a trusted balancer', async () => {
  assert.equal(await failedLoginSource({}), '10.0.0.5');
  assert.equal(await failedLoginSource({ trustProxy: ['192.168.1.1'] }), '10.0.0.5');
});
