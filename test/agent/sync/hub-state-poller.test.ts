/**
 * The hub state poller: the pure parts (what a status means, how long to wait), then the poller and its GET against
 * a real built hub (SQLite, its own routes and agent login) listening on loopback: nothing before the hub chose a
 * model, the desired state through the same handler as MQTT once it has, a 304 for the ETag in hand, a change
 * picked up on `kick()`; a closed port logged once at warn, then at debug, retried with backoff, and a refused
 * login reported with its status.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { hubGet } from '../../../agent/sync/hub-get.ts';
import { answerKind, HubStatePoller, hubStatePath, nextPollMs } from '../../../agent/sync/hub-state-poller.ts';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { createDesiredStore } from '../../../hub/rollouts/desired-store.ts';
import type { ModelDesired } from '../../../protocol/messages.ts';
import { hubConfig, PASSWORDS } from '../../hub/fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };

describe('answerKind and nextPollMs (pure)', () => {
  it('reads 200 as a message, 304 as unchanged, 404 as none and anything else as a failure', () => {
    assert.deepEqual([200, 304, 404, 401, 403, 500, 502, 0].map(answerKind), [
      'message',
      'unchanged',
      'none',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });
  it('waits the interval after a good pass and backs off from retryInitialMs, capped at the interval, after failures', () => {
    const policy = { intervalMs: 300_000, retryInitialMs: 5_000 };
    const top = () => 1;
    assert.equal(nextPollMs(0, policy, top), 300_000);
    assert.deepEqual(
      [1, 2, 3, 7, 8, 40].map((f) => nextPollMs(f, policy, top)),
      [5_000, 10_000, 20_000, 300_000, 300_000, 300_000],
    );
    assert.equal(
      nextPollMs(1, policy, () => 0),
      2_500,
      'jitter down to half',
    );
  });
  it('builds the path of the agent’s own routes', () => {
    assert.equal(hubStatePath(A, 'desired'), '/api/agents/clinic-a/xr-1/desired');
    assert.equal(hubStatePath(A, 'calibration'), '/api/agents/clinic-a/xr-1/calibration');
  });
});

describe('HubStatePoller against a real hub', () => {
  let hub: BuiltHub;
  let hubUrl: string;
  const client = () => ({ hubUrl, username: 'clinic-a/xr-1', password: PASSWORDS.agent, timeoutMs: 5_000 });
  const stored = (version: string): ModelDesired => ({
    v: 1,
    rolloutId: 'r-1',
    version,
    sha256: 'c'.repeat(64),
    url: 'http://old/api/models/x/package.tar',
    sizeBytes: 10,
    issuedAt: new Date().toISOString(),
  });

  before(async () => {
    hub = await buildHub({ config: hubConfig({}, [A]) });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hub.app.server.address();
    hubUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(() => hub.close());

  function poller(over: { hubUrl?: string; password?: string } = {}) {
    const got: ModelDesired[] = [];
    const lines: { level: number; msg: string; code?: string; err?: string; desired?: string }[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const p = new HubStatePoller({
      client: { ...client(), ...over },
      address: A,
      sinks: { models: { handle: (d) => got.push(d) } },
      retryInitialMs: 20,
      intervalMs: 60_000,
      now: Date.now,
      random: () => 1,
      log,
    });
    return { p, got, lines };
  }
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), what);
  };

  it('hands nothing on before the hub chose a model, then the desired state through the MQTT handler', async () => {
    const { p, got, lines } = poller();
    p.start();
    await until(() => lines.some((l) => l.msg === 'hub state polled'), 'a first pass');
    await p.close();
    assert.equal(lines.find((l) => l.msg === 'hub state polled')?.desired, 'none');
    assert.deepEqual(got, [], '404: nothing');
    assert.equal(lines.filter((l) => l.level >= 40).length, 0, 'a 404 is no failure');

    await createDesiredStore(hub.db).put(A, stored('2.0.0'), new Date().toISOString());
    const second = poller();
    second.p.start();
    await until(() => second.got.length === 1, 'the desired state arrives');
    assert.equal(second.got[0]?.version, '2.0.0');
    assert.equal(second.got[0]?.url, hub.desired.urlFor(A, '2.0.0'), 'the URL for the hub as it is now');
    await second.p.close();
  });

  it('sends the ETag in hand and gets 304 for an unchanged state; a change comes on kick()', async () => {
    await createDesiredStore(hub.db).put(A, stored('3.0.0'), new Date().toISOString());
    const first = await hubGet(client(), hubStatePath(A, 'desired'));
    assert.equal(first.status, 200);
    const again = await hubGet(client(), hubStatePath(A, 'desired'), first.etag);
    assert.deepEqual([again.status, again.body.length], [304, 0]);

    const { p, got, lines } = poller();
    const polled = () => lines.filter((l) => l.msg === 'hub state polled');
    p.start();
    await until(() => got.length === 1 && polled().length === 1, 'the first state');
    p.kick();
    await until(() => polled().length === 2, 'a second pass');
    assert.equal(polled()[1]?.desired, 'unchanged', '304');
    await createDesiredStore(hub.db).put(A, stored('3.1.0'), new Date().toISOString());
    p.kick();
    await until(() => got.length === 2, 'the changed state');
    assert.deepEqual(
      got.map((d) => d.version),
      ['3.0.0', '3.1.0'],
      'the unchanged state was not handed on again (304)',
    );
    await p.close();
  });

  it('logs an unreachable hub once at warn, then at debug, and keeps retrying with backoff', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const { p, got, lines } = poller({ hubUrl: `http://127.0.0.1:${closed}` });
    p.start();
    await until(() => lines.filter((l) => l.msg === 'hub state poll failed again').length >= 2, 'retried');
    await p.close();
    const warns = lines.filter((l) => l.level === 40);
    assert.equal(warns.length, 1, 'one warning per outage');
    assert.equal(warns[0]?.code, 'CXR_ERR_AGENT_HUB_POLL_FAILED');
    assert.match(warns[0]?.err ?? '', /ECONNREFUSED/);
    assert.deepEqual(got, []);
  });

  it('reports a refused login with its HTTP status, and a body over the limit as a failure', async () => {
    const { p, lines } = poller({ password: 'wrong' });
    p.start();
    await until(() => lines.some((l) => l.level === 40), 'a warning');
    await p.close();
    assert.match(lines.find((l) => l.level === 40)?.err ?? '', /HTTP 401/);
    await assert.rejects(hubGet(client(), hubStatePath(A, 'desired'), undefined, 16), {
      code: 'CXR_ERR_AGENT_HUB_POLL_FAILED',
      message: /over 16 bytes/,
    });
  });
});
