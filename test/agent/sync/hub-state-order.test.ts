/**
 * One order for the hub's state from MQTT and from the HTTP poll: stale messages dropped from either path, a poll
 * answer repeating the state in hand dropped, MQTT repeats passed on as before, calibrations ordered by issuedAt
 * (a rollback's lower version still applies), desired messages without issuedAt in arrival order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import {
  calibrationStamp,
  desiredStamp,
  HubStateOrder,
  judgeHubState,
  rememberHubState,
} from '../../../agent/sync/hub-state-order.ts';
import type { ModelDesired, SiteCalibrationMessage } from '../../../protocol/messages.ts';

const desired = (version: string, issuedAt: string | undefined, over: Partial<ModelDesired> = {}): ModelDesired => ({
  v: 1,
  rolloutId: 'r1',
  version,
  sha256: version.replaceAll('.', '').padEnd(64, 'a'),
  url: `https://hub.example/api/models/${version}/package.tar?agent=s/a&token=ab`,
  sizeBytes: 1234,
  ...(issuedAt ? { issuedAt } : {}),
  ...over,
});

const calibration = (version: number, issuedAt: string): SiteCalibrationMessage => ({
  v: 1,
  site: 'clinic-1',
  version,
  modelVersion: '1.0.0',
  signed: { payload: `{"v":${version}}`, signature: `sig-${version}`, keyId: 'k' },
  issuedAt,
});

const T = (s: number) => new Date(Date.UTC(2026, 11, 2, 4, 0, s)).toISOString();

function gate() {
  const models: string[] = [];
  const calibrations: number[] = [];
  const lines: { msg: string; source?: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const order = new HubStateOrder(
    {
      models: { handle: (d) => models.push(d.version) },
      calibrations: { receive: async (m) => void calibrations.push(m.version) },
    },
    log,
  );
  return { mqtt: order.sinksFor('mqtt'), http: order.sinksFor('http'), models, calibrations, lines };
}

describe('judgeHubState (pure)', () => {
  const at = (ms: number | undefined, key = 'k') => ({ issuedAtMs: ms, key });
  it('applies the first message of a kind, whatever its path', () => {
    assert.equal(judgeHubState(undefined, at(5), 'http'), 'apply');
    assert.equal(judgeHubState(undefined, at(undefined), 'mqtt'), 'apply');
  });
  it('drops a message issued before the one in hand, from either path', () => {
    assert.equal(judgeHubState(at(10, 'new'), at(9, 'old'), 'mqtt'), 'stale');
    assert.equal(judgeHubState(at(10, 'new'), at(9, 'old'), 'http'), 'stale');
  });
  it('drops a poll answer naming the state in hand; passes an MQTT repeat on', () => {
    assert.equal(judgeHubState(at(10), at(10), 'http'), 'duplicate');
    assert.equal(judgeHubState(at(10), at(12), 'http'), 'duplicate', 'a later reading of the same state');
    assert.equal(judgeHubState(at(10), at(10), 'mqtt'), 'apply');
  });
  it('takes an older reading of the state in hand as a duplicate, not as stale (a retained copy after a poll)', () => {
    assert.equal(judgeHubState(at(10), at(9), 'mqtt'), 'duplicate');
    assert.equal(judgeHubState(at(10), at(9), 'http'), 'duplicate');
    assert.deepEqual(rememberHubState(at(10), at(9), 'duplicate'), at(10));
  });
  it('applies a newer or unordered message that names another state', () => {
    assert.equal(judgeHubState(at(10, 'a'), at(11, 'b'), 'http'), 'apply');
    assert.equal(judgeHubState(at(10, 'a'), at(undefined, 'b'), 'http'), 'apply');
    assert.equal(judgeHubState(at(undefined, 'a'), at(1, 'b'), 'mqtt'), 'apply');
  });
  it('remembers the newest reading of a duplicate, and nothing from a stale message', () => {
    assert.deepEqual(rememberHubState(at(10), at(12), 'duplicate'), at(12));
    assert.deepEqual(rememberHubState(at(10, 'a'), at(9, 'b'), 'stale'), at(10, 'a'));
    assert.deepEqual(rememberHubState(at(10, 'a'), at(11, 'b'), 'apply'), at(11, 'b'));
  });
  it('identifies a desired state by version, bytes, rollout and shadows, not by its URL or issuedAt', () => {
    const a = desiredStamp(desired('2.0.0', T(1)));
    assert.equal(desiredStamp(desired('2.0.0', T(5), { url: 'https://other/x.tar' })).key, a.key);
    assert.notEqual(desiredStamp(desired('2.0.0', T(1), { rolloutId: 'r2' })).key, a.key);
    assert.notEqual(desiredStamp(desired('2.0.0', T(1), { shadow: true })).key, a.key);
    assert.equal(a.issuedAtMs, Date.parse(T(1)));
    assert.equal(desiredStamp(desired('2.0.0', undefined)).issuedAtMs, undefined);
    assert.equal(calibrationStamp(calibration(1, T(1))).key, calibrationStamp(calibration(1, T(9))).key);
  });
});

describe('HubStateOrder in front of the model manager and the calibration keeper', () => {
  it('takes the same desired state up once when both paths bring it, in either order', () => {
    const g = gate();
    g.mqtt.models.handle(desired('2.0.0', T(1)));
    g.http.models.handle(desired('2.0.0', T(1)));
    assert.deepEqual(g.models, ['2.0.0']);
    const h = gate();
    h.http.models.handle(desired('2.0.0', T(1)));
    h.http.models.handle(desired('2.0.0', T(1)));
    h.mqtt.models.handle(desired('2.0.0', T(1)));
    assert.deepEqual(h.models, ['2.0.0', '2.0.0'], 'the MQTT repeat reaches the manager, which takes it idempotently');
  });

  it('never lets an older desired state override a newer one', () => {
    const g = gate();
    g.mqtt.models.handle(desired('3.0.0', T(3)));
    g.http.models.handle(desired('2.0.0', T(2))); // a poll answer read before the hub chose 3.0.0
    g.mqtt.models.handle(desired('2.0.0', T(2))); // a late MQTT message
    assert.deepEqual(g.models, ['3.0.0']);
    assert.equal(g.lines.filter((l) => l.msg.includes('older than the one in hand')).length, 2);
    g.http.models.handle(desired('1.0.0', T(4))); // the hub went back to 1.0.0 later: that is newer
    assert.deepEqual(g.models, ['3.0.0', '1.0.0']);
  });

  it('orders desired messages without issuedAt by arrival', () => {
    const g = gate();
    g.mqtt.models.handle(desired('3.0.0', undefined));
    g.http.models.handle(desired('2.0.0', undefined));
    g.http.models.handle(desired('2.0.0', undefined));
    assert.deepEqual(g.models, ['3.0.0', '2.0.0']);
  });

  it('orders calibrations by issuedAt, not version: a rollback to version 1 applies, an older answer does not', async () => {
    const g = gate();
    await g.mqtt.calibrations?.receive(calibration(2, T(2)));
    await g.http.calibrations?.receive(calibration(1, T(1)));
    await g.mqtt.calibrations?.receive(calibration(1, T(3))); // the rollback
    await g.http.calibrations?.receive(calibration(1, T(4))); // the poll reads the same calibration later
    assert.deepEqual(g.calibrations, [2, 1]);
  });

  it('keeps desired and calibration apart', async () => {
    const g = gate();
    g.mqtt.models.handle(desired('2.0.0', T(5)));
    await g.http.calibrations?.receive(calibration(1, T(1)));
    assert.deepEqual([g.models, g.calibrations], [['2.0.0'], [1]]);
  });
});
