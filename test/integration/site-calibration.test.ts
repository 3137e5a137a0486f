/**
 * Site calibration end to end on real processes: a hub (embedded broker, SQLite) and an agent started as
 * `cxr agent --config` with the tiny model. A trainer publishes signed calibrations over the hub's API; the hub
 * sends the site's current one to the agent (retained `calibration`); the agent verifies and keeps it and triages
 * with its operating points, and every result the hub stores carries the calibration version. An admin's rollback
 * sends the earlier version back; a calibration for another model version is ignored with a log line.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningHub, startHub } from '../../hub/main.ts';
import { TINY_CLASSES } from '../../models/package/tiny-model.ts';
import { signSiteCalibration } from '../../models/triage/site-calibration.ts';
import { agentFixture, perturbed, sample } from '../agent/fixture.ts';
import { PASSWORDS } from '../hub/fixtures.ts';
import { type HttpSession, login, waitFor } from '../hub/harness.ts';
import { PUBLISHER_KEYS, registryHubConfig } from '../hub/registry-fixtures.ts';
import { type CxrService, startCxrService } from '../support/cxr-process.ts';

const TRAINER_PASSWORD = 'trainer-password-for-tests';
const FINDINGS = TINY_CLASSES.filter((c) => c !== 'Normal');
const DICOM = sample('dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');

describe('site calibration from the trainer to the agent and back in the results', () => {
  let hub: RunningHub;
  let agent: CxrService;
  let admin: HttpSession;
  let trainer: (path: string, body?: unknown) => Promise<Response>;
  let jobId: string;
  let inDir: string;
  let logFile: string;
  let files = 0;

  before(async () => {
    const { hashPassword } = await import('../../hub/auth/password.ts');
    hub = await startHub(
      registryHubConfig({ trainers: [{ name: 'gpu-1', passwordHash: hashPassword(TRAINER_PASSWORD) }] }, [
        { site: 'clinic-1', agent: 'room-2' },
      ]),
    );
    admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
    const session = await fetch(`${hub.httpUrl}/api/trainer/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'gpu-1', password: TRAINER_PASSWORD }),
    });
    const { token } = (await session.json()) as { token: string };
    trainer = (path, body = {}) =>
      fetch(`${hub.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const job = await admin.post('/api/training/jobs', { kind: 'recalibrate', site: 'clinic-1' });
    jobId = ((await job.json()) as { id: string }).id;
    assert.equal(((await (await trainer('/api/trainer/jobs/claim')).json()) as { job: { id: string } }).job.id, jobId);

    const fx = await agentFixture({ model: 'tiny' });
    // The agent trusts the trainer's key (the fleet's publisher key) beside its model's.
    writeFileSync(join(fx.keysDir, 'trainer.pub.pem'), PUBLISHER_KEYS.publicKeyPem);
    inDir = fx.inDir;
    logFile = join(fx.root, 'agent.log');
    const base = fx.config(hub.mqttUrl, { logLevel: 'info', http: { port: -1 } });
    const config = fx.writeConfig({
      ...base,
      mqtt: { ...(base.mqtt as object), username: 'clinic-1/room-2', password: PASSWORDS.agent },
    });
    agent = startCxrService(['agent', '--config', config], { logFile });
  });
  after(async () => {
    agent?.kill();
    await agent?.exited;
    await hub?.close();
  });

  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  /** Drops one new film into the agent's folder; resolves with the hub's stored tier and triage. */
  const screenOne = async () => {
    files++;
    const before = new Set(
      (await hub.hub.db.kysely.selectFrom('results').select('result_id').execute()).map((r) => r.result_id),
    );
    writeFileSync(join(inDir, `film-${files}.dcm`), perturbed(DICOM, 1000 + files));
    const row = await waitFor(async () => {
      const rows = await hub.hub.db.kysely.selectFrom('results').select(['result_id', 'tier', 'triage']).execute();
      return rows.find((r) => !before.has(r.result_id));
    }, 60_000);
    const triage = JSON.parse(row.triage ?? '{}') as {
      calibrationVersion?: number;
      operatingPoints: Record<string, unknown>;
    };
    return { tier: row.tier, triage };
  };

  const publish = async (threshold: number, modelVersion = '0.0.1') => {
    const signed = signSiteCalibration(
      {
        site: 'clinic-1',
        modelName: 'tiny-densenet',
        modelVersion,
        thresholds: Object.fromEntries(FINDINGS.map((c) => [c, { threshold, chosenOn: 'test' }])),
        reads: 20,
        createdAt: new Date().toISOString(),
      },
      PUBLISHER_KEYS.privateKeyPem,
    );
    const response = await trainer(`/api/trainer/jobs/${jobId}/calibration`, signed);
    assert.equal(response.status, 201, await response.clone().text());
    return ((await response.json()) as { version: number }).version;
  };
  const inUse = (version: number) =>
    waitFor(
      () => logLines().find((l) => l.msg === 'site calibration in use' && l.calibrationVersion === version),
      30_000,
    );

  it('changes the tiers with each published calibration, carries its version, and follows a rollback', async () => {
    const plain = await screenOne();
    assert.equal(plain.triage.calibrationVersion, undefined, 'no calibration yet: the manifest operating points');

    assert.equal(await publish(0), 1);
    await inUse(1);
    const low = await screenOne();
    assert.equal(low.tier, 'abnormal', 'every finding is called at operating point 0');
    assert.equal(low.triage.calibrationVersion, 1);

    assert.equal(await publish(1), 2);
    await inUse(2);
    const high = await screenOne();
    assert.notEqual(high.tier, 'abnormal', 'no finding is called at operating point 1');
    assert.equal(high.triage.calibrationVersion, 2);

    const rollback = await admin.post('/api/training/calibrations/clinic-1/current', { version: 1 });
    assert.equal(rollback.status, 200, await rollback.clone().text());
    await waitFor(
      () => logLines().filter((l) => l.msg === 'site calibration in use' && l.calibrationVersion === 1).length >= 2,
      30_000,
    );
    const back = await screenOne();
    assert.equal(back.tier, 'abnormal');
    assert.equal(back.triage.calibrationVersion, 1);

    assert.equal(await publish(0.5, '9.9.9'), 3);
    const ignored = await waitFor(() => logLines().find((l) => l.calibrationVersion === 3), 30_000);
    assert.match(String(ignored.msg), /another model version/);
    assert.equal(ignored.modelVersion, '9.9.9');
    const other = await screenOne();
    assert.equal(other.triage.calibrationVersion, undefined, "the manifest's operating points again");
    assert.equal(agent.child.exitCode, null, 'the agent kept running');
  });
});
