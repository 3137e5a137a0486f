/**
 * The loop from radiologists' reads to a candidate model, with real parts: a base model trained here (tiny member,
 * NIH samples, 32 px), exported and signed, published to a hub listening on 127.0.0.1 as `production`; 32 site-B
 * films (test/fixtures/site-b) arriving as that model's results, read and signed through the API with the data set's
 * labels as a radiologist would; the trainer service as a real process (`cxr trainer serve`, wasm backend)
 * fine-tuning from the base's run on a queued job — killed with SIGKILL after its first epoch and started again, it
 * resumes from its checkpoint — then evaluating candidate and production on the same held-back patients and
 * publishing the candidate with its report.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../hub/auth/password.ts';
import { type BuiltHub, buildHub } from '../../hub/main.ts';
import { packTar } from '../../models/package/tar.ts';
import { topicFor } from '../../protocol/topics.ts';
import { prepareIndex } from '../../trainer/data/prepare-cache.ts';
import { exportPackage } from '../../trainer/export/export-package.ts';
import { DEFAULT_TRAIN } from '../../trainer/train/train-config.ts';
import { trainModel } from '../../trainer/train/train-loop.ts';
import { resultMessage, tempDir } from '../hub/fixtures.ts';
import { waitFor } from '../hub/harness.ts';
import { type InjectUser, injectLogin } from '../hub/inject-session.ts';
import { PUBLISH_TOKEN, PUBLISHER_KEYS, registryHubConfig } from '../hub/registry-fixtures.ts';

const root = new URL('../../', import.meta.url).pathname;
const NIH = join(root, 'models/samples/nih/labels.csv');
const SITE_B = join(root, 'test/fixtures/site-b');
const B = { site: 'site-b', agent: 'xr-1' };
const hex = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

interface Job {
  id: string;
  status: string;
  attempt: number;
  history: { epoch: number; loss: number }[];
  result: {
    candidate: string;
    reads: { train: number; heldOut: number };
    evaluation: { candidate: { images: number; version: string }; production: { images: number; version: string } };
  } | null;
  error: { code: string; message: string } | null;
}

describe('training loop: signed site-B reads → fine-tune job → candidate', { timeout: 400_000 }, () => {
  let hub: BuiltHub;
  let boss: InjectUser;
  let rad: InjectUser;
  let trainer: ChildProcess | undefined;
  let trainerLog = '';
  const dir = tempDir('cxr-training-loop-');
  const serve = () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/cxr.mjs'), 'trainer', 'serve', '--config', join(dir, 'trainer.json')],
      {
        env: { ...process.env, CXR_TRAINER_HUB_PASSWORD: 'trainer-pw' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => {
      trainerLog += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      trainerLog += d.toString();
    });
    return child;
  };

  before(async () => {
    const cacheDir = join(dir, 'base-cache');
    const runDir = join(dir, 'base-run');
    await prepareIndex(NIH, cacheDir, { val: 0.3, test: 0.3, seed: 1 });
    await trainModel({
      ...DEFAULT_TRAIN,
      cacheDir,
      outDir: runDir,
      scaling: { alpha: 0.5, phi: 1, width: 0.0625, stages: 3, baseResolution: 32 },
      epochs: 1,
      batchSize: 4,
      backend: 'wasm',
    });
    const pkgDir = join(dir, 'base-package');
    await exportPackage({
      trainDir: runDir,
      cacheDir,
      outDir: pkgDir,
      privateKeyPem: PUBLISHER_KEYS.privateKeyPem,
      name: 'tiny-loop',
      version: '1.0.0',
      goldenImages: [join(root, 'models/samples/nih/images/00000017_000.png')],
      backend: 'wasm',
    });
    hub = await buildHub({
      config: registryHubConfig({ trainers: [{ name: 'gpu-1', passwordHash: hashPassword('trainer-pw') }] }, [B]),
    });
    const url = await hub.app.listen({ host: '127.0.0.1', port: 0 });
    boss = await injectLogin(hub, 'boss', 'keeps-the-keys');
    rad = await injectLogin(hub, 'rad', 'read-all-day');
    const published = await hub.app.inject({
      method: 'POST',
      url: '/api/models?alias=production',
      headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
      payload: await packTar(pkgDir),
    });
    assert.equal(published.statusCode, 201, published.body);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'manifest.json'), 'utf8')) as { classes: string[] };
    const findings = manifest.classes.filter((c) => c !== 'Normal');
    const rows = readFileSync(join(SITE_B, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    for (const [i, row] of rows.entries()) {
      const [file, label, patient] = row.split(',') as [string, string, string];
      const png = readFileSync(join(SITE_B, file));
      const p = label === 'Lung Opacity' ? 0.4 + (i % 5) / 10 : 0.1 + (i % 5) / 10;
      const message = await resultMessage({
        site: B.site,
        agent: B.agent,
        keys: { image: hex(file), patient: hex(patient) },
        classes: manifest.classes,
        model: { name: 'tiny-loop', version: '1.0.0', sha256: 'c'.repeat(64) },
        probabilities: Object.fromEntries(
          manifest.classes.map((c) => [c, c === 'Lung Opacity' ? p : c === 'Normal' ? 1 - p : 0.05]),
        ),
        flags: p >= 0.5 ? ['Lung Opacity'] : [],
        preview: { mime: 'image/png', width: 224, height: 224, base64: png.toString('base64') },
        triage: {
          tier: p >= 0.5 ? 'abnormal' : 'likely-normal',
          score: p,
          findings: p >= 0.5 ? ['Lung Opacity'] : [],
          urgentFindings: [],
          findingClasses: findings,
          normalClass: 'Normal',
          operatingPoints: Object.fromEntries(manifest.classes.map((c) => [c, { threshold: 0.5 }])),
        },
      });
      hub.dispatch(topicFor(B, 'result'), Buffer.from(JSON.stringify(message)));
      await hub.resultHandler.drain();
      const present = label === 'Lung Opacity';
      const signed = await rad.send('POST', `/api/studies/${message.resultId}/reads`, {
        decisions: Object.fromEntries(findings.map((c) => [c, c === 'Lung Opacity' && present ? 'present' : 'absent'])),
        impression: present ? 'pneumonia' : 'normal chest',
        normal: !present,
        agreedWithAi: false,
        basedOn: 0,
      });
      assert.equal(signed.statusCode, 201, signed.body);
    }
    writeFileSync(join(dir, 'trainer.pem'), PUBLISHER_KEYS.privateKeyPem);
    writeFileSync(join(dir, 'fleet.pub.pem'), PUBLISHER_KEYS.publicKeyPem);
    writeFileSync(
      join(dir, 'trainer.json'),
      JSON.stringify({
        hub: { url, name: 'gpu-1', password: 'from the environment' },
        workDir: 'trainer-work',
        keyFile: 'trainer.pem',
        trustedKeys: ['fleet.pub.pem'],
        runs: { '1.0.0': 'base-run' },
        baseData: [NIH],
        backend: 'wasm',
        pollIntervalS: 0.2,
        heartbeatIntervalS: 1,
      }),
    );
  });
  after(async () => {
    trainer?.kill('SIGKILL');
    await hub?.close();
  });

  it("fine-tunes production on the site's signed reads and publishes an evaluated candidate", async () => {
    const created = await boss.send('POST', '/api/training/jobs', {
      kind: 'fine-tune',
      site: 'site-b',
      params: { epochs: 4, holdOut: 0.3, version: '1.1.0-site-b.1' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json() as Job;
    trainer = serve();
    const first = await waitFor(async () => {
      const j = (await boss.get(`/api/training/jobs/${id}`)).json() as Job;
      return j.history.length >= 1 ? j : undefined;
    }, 240_000);
    trainer.kill('SIGKILL');
    await new Promise((resolve) => trainer?.once('exit', resolve));
    assert.equal(first.status, 'running');
    assert.ok(first.history.length < 4, 'killed mid-job');
    assert.match(trainerLog, /"msg":"training backend"/);
    trainer = serve();
    const job = await waitFor(async () => {
      const j = (await boss.get(`/api/training/jobs/${id}`)).json() as Job;
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, 360_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.result?.candidate, '1.1.0-site-b.1');
    assert.equal(job.attempt, 2, 'the restarted trainer claimed its own job again');
    assert.match(trainerLog, /resuming training job/);
    assert.match(trainerLog, /resumed from last checkpoint/);
    assert.deepEqual(
      job.history.map((p) => p.epoch),
      [2, 3, 4, 5],
      "four fine-tuning epochs after the base's one, none lost or repeated across the kill",
    );
    const { candidate, production } = job.result!.evaluation;
    assert.equal(production.version, '1.0.0');
    assert.equal(candidate.images, production.images, 'both on the same held-back reads');
    assert.equal(candidate.images, job.result!.reads.heldOut);
    const models = (await rad.get('/api/models')).json() as { aliases: { alias: string; version: string }[] };
    assert.equal(models.aliases.find((a) => a.alias === 'candidate')?.version, '1.1.0-site-b.1');
    const report = await rad.get('/api/training/reports/1.1.0-site-b.1');
    assert.equal(report.statusCode, 200);
  });
});
