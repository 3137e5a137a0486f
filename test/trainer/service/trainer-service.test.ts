/**
 * The trainer service against a real hub over HTTP (buildHub listening on 127.0.0.1, port 0): it logs in with its own
 * trainer login, claims jobs one at a time, runs a recalibration end to end (production's manifest, the site's
 * signed reads, a signed calibration the hub verifies and stores), fails a fine-tune it has no run for with a clear
 * code, and stops a job the hub cancels.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { hashPassword } from '../../../hub/auth/password.ts';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { topicFor } from '../../../protocol/topics.ts';
import { startTrainerService } from '../../../trainer/main.ts';
import { thresholdAtSensitivity } from '../../../trainer/metrics/auroc.ts';
import { parseTrainerConfig } from '../../../trainer/service/service-config.ts';
import { resultMessage, tempDir } from '../../hub/fixtures.ts';
import { waitFor } from '../../hub/harness.ts';
import { type InjectUser, injectLogin, publishTiny } from '../../hub/inject-session.ts';
import { PUBLISHER_KEYS, registryHubConfig } from '../../hub/registry-fixtures.ts';

const CLASSES = ['Lung Opacity', 'Normal', 'No Lung Opacity / Not Normal'];
const FINDINGS = ['Lung Opacity', 'No Lung Opacity / Not Normal'];
const A = { site: 'clinic-a', agent: 'xr-1' };

interface Job {
  id: string;
  status: string;
  result: Record<string, unknown> | null;
  error: { code: string } | null;
}

describe('trainer service against a real hub', () => {
  let hub: BuiltHub;
  let boss: InjectUser;
  let rad: InjectUser;
  let url: string;
  let service: Awaited<ReturnType<typeof startTrainerService>>;
  const scored: { p: number; present: boolean }[] = [];

  before(async () => {
    hub = await buildHub({
      config: registryHubConfig({ trainers: [{ name: 'gpu-1', passwordHash: hashPassword('trainer-pw') }] }),
    });
    url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    boss = await injectLogin(hub, 'boss', 'keeps-the-keys');
    rad = await injectLogin(hub, 'rad', 'read-all-day');
    await publishTiny(hub, '1.0.0', 1);
    assert.equal((await boss.send('PUT', '/api/models/aliases/production', { version: '1.0.0' })).statusCode, 200);
    // 24 films of 1.0.0 at clinic-a, read by a radiologist: opacity present on the higher scores, with overlap.
    for (let i = 0; i < 24; i++) {
      const p = (i + 0.5) / 24;
      const present = i % 3 !== 0 ? p > 0.4 : p > 0.7;
      const message = await resultMessage({
        classes: CLASSES,
        model: { name: 'tiny-densenet', version: '1.0.0', sha256: 'b'.repeat(64) },
        probabilities: { 'Lung Opacity': p, Normal: 1 - p, 'No Lung Opacity / Not Normal': 0.05 },
        flags: p >= 0.5 ? ['Lung Opacity'] : [],
        triage: {
          tier: p >= 0.5 ? 'abnormal' : 'likely-normal',
          score: p,
          findings: p >= 0.5 ? ['Lung Opacity'] : [],
          urgentFindings: [],
          findingClasses: FINDINGS,
          normalClass: 'Normal',
          operatingPoints: {
            'Lung Opacity': { threshold: 0.5 },
            'No Lung Opacity / Not Normal': { threshold: 0.5 },
            Normal: { threshold: 0.5 },
          },
        },
      });
      hub.dispatch(topicFor(A, 'result'), Buffer.from(JSON.stringify(message)));
      await hub.resultHandler.drain();
      const signed = await rad.send('POST', `/api/studies/${message.resultId}/reads`, {
        decisions: { 'Lung Opacity': present ? 'present' : 'absent', 'No Lung Opacity / Not Normal': 'absent' },
        impression: present ? 'opacity' : 'clear',
        normal: !present,
        agreedWithAi: false,
        basedOn: 0,
      });
      assert.equal(signed.statusCode, 201, signed.body);
      scored.push({ p, present });
    }
    const dir = tempDir('cxr-trainer-');
    writeFileSync(join(dir, 'trainer.pem'), PUBLISHER_KEYS.privateKeyPem);
    writeFileSync(join(dir, 'publisher.pub.pem'), PUBLISHER_KEYS.publicKeyPem);
    const config = parseTrainerConfig(
      {
        hub: { url, name: 'gpu-1', password: 'trainer-pw' },
        workDir: 'work',
        keyFile: 'trainer.pem',
        trustedKeys: ['publisher.pub.pem'],
        backend: 'cpu',
        pollIntervalS: 0.1,
        heartbeatIntervalS: 0.1,
      },
      {},
      dir,
    );
    service = await startTrainerService(config, { log: pino({ level: 'silent' }) });
  });
  after(async () => {
    await service?.stop();
    await hub.close();
  });

  const finished = (id: string) =>
    waitFor(async () => {
      const job = (await boss.get(`/api/training/jobs/${id}`)).json() as Job;
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    }, 60_000);

  it('logs its backend and recalibrates a site from its signed reads, signed and stored by the hub', async () => {
    assert.equal(service.backend, 'cpu');
    const created = (
      await boss.send('POST', '/api/training/jobs', {
        kind: 'recalibrate',
        site: 'clinic-a',
        params: { targetSensitivity: 0.9 },
      })
    ).json() as Job;
    const job = await finished(created.id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const expected = thresholdAtSensitivity(
      scored.map((s) => s.p),
      scored.map((s) => s.present),
      0.9,
    )!;
    const thresholds = job.result?.thresholds as Record<string, { threshold: number; sensitivity?: number }>;
    assert.equal(thresholds['Lung Opacity']?.threshold, expected.threshold);
    assert.equal(job.result?.readsUsed, 24);
    const listed = (await rad.get('/api/training/calibrations?site=clinic-a')).json() as {
      calibrations: { version: number; current: boolean; modelVersion: string }[];
    };
    assert.deepEqual(
      listed.calibrations.map((c) => [c.version, c.current, c.modelVersion]),
      [[1, true, '1.0.0']],
    );
  });

  it('fails a fine-tune it has no training run for, with the code', async () => {
    const created = (
      await boss.send('POST', '/api/training/jobs', { kind: 'fine-tune', site: 'clinic-a' })
    ).json() as Job;
    const job = await finished(created.id);
    assert.equal(job.status, 'failed');
    assert.equal(job.error?.code, 'CXR_ERR_TRAINER_NO_RUN');
  });
});
