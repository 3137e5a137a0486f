/**
 * The hub's GET /metrics on a real hub: results and statuses go through ingest, then a scrape from the hub's
 * own host (HTTP on 127.0.0.1) shows the ingest counters, the results by tier, each agent's outbox, backlog and
 * acks-stalled flag from its status; a client on another address is refused unless it is a logged-in admin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { topicFor } from '../../protocol/topics.ts';
import { hubConfig, PASSWORDS, resultMessage, statusMessage } from '../hub/fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-9' };

describe('hub /metrics (Prometheus)', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await startHub(hubConfig({ http: { port: 0 }, mqtt: { port: 0 } }, [A, B]), {
      log: pino({ level: 'silent' }),
    });
    const send = (address: typeof A, kind: 'result' | 'status', body: unknown) =>
      hub.hub.dispatch(topicFor(address, kind), Buffer.from(JSON.stringify(body)));
    const first = await resultMessage();
    send(A, 'result', first);
    send(A, 'result', first); // a re-send: counted as a duplicate
    send(A, 'result', await resultMessage());
    send(B, 'result', await resultMessage({ site: 'clinic-b', agent: 'xr-9' }));
    send(A, 'status', statusMessage('clinic-a', 'xr-1', { outbox: 7, backlog: 3, acksStalled: true }));
    send(B, 'status', statusMessage('clinic-b', 'xr-9', { outbox: 0, backlog: 0 }));
    await hub.hub.drain();
  });
  after(() => hub?.close());

  it('serves ingest, results by tier and every agent status to a scraper on the hub host', async () => {
    const response = await fetch(`${hub.httpUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const lines = (await response.text()).split('\n');
    for (const line of [
      'cxr_hub_results_received_total 4',
      'cxr_hub_results_stored_total 3',
      'cxr_hub_results_duplicate_total 1',
      'cxr_hub_agent_online{site="clinic-a",agent="xr-1"} 1',
      'cxr_hub_agent_outbox{site="clinic-a",agent="xr-1"} 7',
      'cxr_hub_agent_backlog{site="clinic-a",agent="xr-1"} 3',
      'cxr_hub_agent_acks_stalled{site="clinic-a",agent="xr-1"} 1',
      'cxr_hub_agent_acks_stalled{site="clinic-b",agent="xr-9"} 0',
      'cxr_hub_results_unread{site="clinic-a"} 2',
      'cxr_hub_results_unread{site="clinic-b"} 1',
    ])
      assert.ok(lines.includes(line), `missing: ${line}`);
    const byTier = lines.filter((l) => l.startsWith('cxr_hub_results{site="clinic-a"'));
    assert.equal(
      byTier.reduce((n, l) => n + Number(l.split(' ')[1]), 0),
      2,
      byTier.join('\n'),
    );
  });

  it('refuses a client on another address, unless it is a logged-in admin', async () => {
    const remote = '10.20.30.40';
    const refused = await hub.hub.app.inject({ url: '/metrics', remoteAddress: remote });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'CXR_ERR_HUB_FORBIDDEN');
    const login = await hub.hub.app.inject({
      method: 'POST',
      url: '/api/session',
      remoteAddress: remote,
      payload: { username: 'boss', password: PASSWORDS.admin },
    });
    assert.equal(login.statusCode, 200);
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const admin = await hub.hub.app.inject({ url: '/metrics', remoteAddress: remote, headers: { cookie } });
    assert.equal(admin.statusCode, 200);
    assert.match(admin.body, /^cxr_hub_results_stored_total 3$/m);
  });
});
