/**
 * Site calibrations on their way to the agents (app.inject on a built SQLite hub, the MQTT sink collected): a
 * published calibration goes to every agent of its site (logins and agents that reported), a rollback sends the
 * earlier version, an agent seen for the first time gets its site's current one, `republishAll` sends each site's
 * again, and an agent reads its own over HTTP with its login (304 when its If-None-Match names the current one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../hub/auth/password.ts';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { knownAgents } from '../../../hub/training/calibration-publisher.ts';
import { signSiteCalibration } from '../../../models/triage/site-calibration.ts';
import type { SiteCalibrationMessage } from '../../../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../../../protocol/topics.ts';
import { decoders } from '../../../protocol/validate.ts';
import { PASSWORDS, statusMessage } from '../fixtures.ts';
import { type InjectUser, injectLogin } from '../inject-session.ts';
import { PUBLISHER_KEYS, registryHubConfig } from '../registry-fixtures.ts';

const TRAINER_PASSWORD = 'trainer-password-for-tests';
const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('site calibrations reach the agents of their site', () => {
  let hub: BuiltHub;
  let boss: InjectUser;
  const sent: { address: AgentAddress; message: SiteCalibrationMessage }[] = [];

  before(async () => {
    const config = registryHubConfig({ trainers: [{ name: 'gpu-1', passwordHash: hashPassword(TRAINER_PASSWORD) }] }, [
      { site: 'clinic-a', agent: 'xr-1' },
      { site: 'clinic-a', agent: 'xr-2' },
      { site: 'clinic-b', agent: 'xr-9' },
    ]);
    hub = await buildHub({ config });
    hub.setPublishCalibration((address, message) => {
      assert.ok(decoders.calibration.check(message));
      sent.push({ address, message });
    });
    boss = await injectLogin(hub, 'boss', PASSWORDS.admin);
  });
  after(() => hub.close());

  it('lists every known agent once: logins and agents that reported', () => {
    assert.deepEqual(
      knownAgents(
        ['b/2', 'a/1', 'not-an-agent'],
        [
          { site: 'a', agent: '1' },
          { site: 'c', agent: '3' },
        ],
      ),
      [
        { site: 'a', agent: '1' },
        { site: 'b', agent: '2' },
        { site: 'c', agent: '3' },
      ],
    );
  });

  it('publishes to the site, rolls back, greets a new agent and answers an agent over HTTP', async () => {
    const job = (await boss.send('POST', '/api/training/jobs', { kind: 'recalibrate', site: 'clinic-a' })).json() as {
      id: string;
    };
    const session = await hub.app.inject({
      method: 'POST',
      url: '/api/trainer/session',
      payload: { name: 'gpu-1', password: TRAINER_PASSWORD },
    });
    const headers = { authorization: `Bearer ${(session.json() as { token: string }).token}` };
    await hub.app.inject({ method: 'POST', url: '/api/trainer/jobs/claim', headers });
    for (const threshold of [0.3, 0.45]) {
      const signed = signSiteCalibration(
        {
          site: 'clinic-a',
          modelName: 'tiny-densenet',
          modelVersion: '1.0.0',
          thresholds: { Effusion: { threshold, chosenOn: 'sensitivity 0.9 on 40 site reads' } },
          reads: 40,
          createdAt: new Date().toISOString(),
        },
        PUBLISHER_KEYS.privateKeyPem,
      );
      const r = await hub.app.inject({
        method: 'POST',
        url: `/api/trainer/jobs/${job.id}/calibration`,
        headers,
        payload: signed,
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    const versions = (agent: string) =>
      sent.filter((s) => s.address.site === 'clinic-a' && s.address.agent === agent).map((s) => s.message.version);
    assert.deepEqual(versions('xr-1'), [1, 2]);
    assert.deepEqual(versions('xr-2'), [1, 2]);
    assert.equal(sent.filter((s) => s.address.site === 'clinic-b').length, 0, 'another site gets nothing');
    assert.equal(JSON.parse(sent.at(-1)?.message.signed.payload ?? '{}').thresholds.Effusion.threshold, 0.45);

    const back = await boss.send('POST', '/api/training/calibrations/clinic-a/current', { version: 1 });
    assert.equal(back.statusCode, 200, back.body);
    assert.deepEqual(versions('xr-1'), [1, 2, 1], 'the rollback sends version 1 again');

    const newcomer = { site: 'clinic-a', agent: 'xr-new' };
    hub.dispatch(topicFor(newcomer, 'status'), Buffer.from(JSON.stringify(statusMessage('clinic-a', 'xr-new'))));
    await hub.drain();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(versions('xr-new'), [1], 'an agent seen for the first time gets the current one');
    hub.dispatch(topicFor(newcomer, 'status'), Buffer.from(JSON.stringify(statusMessage('clinic-a', 'xr-new'))));
    await hub.drain();
    assert.deepEqual(versions('xr-new'), [1], 'once, not at every status');

    sent.length = 0;
    assert.equal(await hub.training.calibrationPublisher.republishAll(), 3);
    assert.deepEqual(
      sent.map((s) => `${s.address.agent}:${s.message.version}`),
      ['xr-1:1', 'xr-2:1', 'xr-new:1'],
    );

    const own = await hub.app.inject({
      url: '/api/agents/clinic-a/xr-1/calibration',
      headers: { authorization: basic('clinic-a/xr-1', PASSWORDS.agent) },
    });
    assert.equal(own.statusCode, 200, own.body);
    assert.equal((own.json() as SiteCalibrationMessage).version, 1);
    const etag = own.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
    const unchanged = await hub.app.inject({
      url: '/api/agents/clinic-a/xr-1/calibration',
      headers: { authorization: basic('clinic-a/xr-1', PASSWORDS.agent), 'if-none-match': etag },
    });
    assert.deepEqual([unchanged.statusCode, unchanged.body], [304, ''], 'the same calibration: 304 (issuedAt aside)');
    const other = await hub.app.inject({
      url: '/api/agents/clinic-a/xr-2/calibration',
      headers: { authorization: basic('clinic-a/xr-1', PASSWORDS.agent) },
    });
    assert.equal(other.statusCode, 403);
    const none = await hub.app.inject({
      url: '/api/agents/clinic-b/xr-9/calibration',
      headers: { authorization: basic('clinic-b/xr-9', PASSWORDS.agent) },
    });
    assert.equal(none.statusCode, 404);
    const anonymous = await hub.app.inject({ url: '/api/agents/clinic-a/xr-1/calibration' });
    assert.equal(anonymous.statusCode, 401);
  });
});
