/**
 * GET /healthz (hub/http/health-routes.ts), what a load balancer asks each hub replica: 200 with whether this
 * process runs the background jobs while the database answers, 503 CXR_ERR_HUB_DB_OPEN once it does not.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildHub } from '../../../hub/main.ts';
import { hubConfig } from '../fixtures.ts';

it('answers 200 without a login while the database answers, with whether this process runs the jobs', async () => {
  const hub = await buildHub({ config: hubConfig({ http: { port: 0 } }) });
  try {
    const response = await hub.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { status: 'ok', jobs: true });
  } finally {
    await hub.close();
  }
});

it('answers 503 CXR_ERR_HUB_DB_OPEN when the database does not answer', async () => {
  const hub = await buildHub({ config: hubConfig({ http: { port: 0 } }) });
  try {
    await hub.db.close();
    const response = await hub.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().error.code, 'CXR_ERR_HUB_DB_OPEN');
  } finally {
    await hub.close().catch(() => {});
  }
});
