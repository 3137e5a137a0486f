/**
 * The loop from radiologists' reads to a better model at the site, with real parts: a base model trained here (tiny
 * member, NIH samples, 32 px), exported and signed, published to a hub (embedded broker, 127.0.0.1) as `production`;
 * 32 site-B films (test/fixtures/site-b) arriving as that model's results, read and signed through the API with the
 * data set's labels as a radiologist would; the trainer service as a real process (`cxr trainer serve`, wasm backend)
 * fine-tuning from the base's run on a queued job — killed with SIGKILL after its first epoch and started again, it
 * resumes from its checkpoint — then evaluating candidate and production on the same held-back patients and
 * publishing the candidate with its report. Then, with that candidate: a real agent process at site B on production
 * (`cxr agent`), the candidate shadowed there by an admin, the site-B films fed through the agent (each result
 * carries the candidate's output), read through the API with the data set's labels, the hub's live agreement with
 * the radiologists beside production's, the admin's promotion (the staged rollout), the agent ending on the candidate
 * and its results carrying it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resultIdFor } from '../../agent/screening/result-builder.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { type BuiltHub, type RunningHub, startHub } from '../../hub/main.ts';
import { packTar } from '../../models/package/tar.ts';
import { topicFor } from '../../protocol/topics.ts';
import { prepareIndex } from '../../trainer/data/prepare-cache.ts';
import { exportPackage } from '../../trainer/export/export-package.ts';
import { DEFAULT_TRAIN } from '../../trainer/train/train-config.ts';
import { trainModel } from '../../trainer/train/train-loop.ts';
import { PASSWORDS, resultMessage, tempDir } from '../hub/fixtures.ts';
import { waitFor } from '../hub/harness.ts';
import { type InjectUser, injectLogin } from '../hub/inject-session.ts';
import { PUBLISH_TOKEN, PUBLISHER_KEYS, registryHubConfig } from '../hub/registry-fixtures.ts';
import { type CxrService, startCxrService } from '../support/cxr-process.ts';

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

describe('training loop: signed site-B reads → fine-tune job → candidate → shadow → promotion', {
  timeout: 600_000,
}, () => {
  let running: RunningHub;
  let hub: BuiltHub;
  let url: string;
  let agent: CxrService | undefined;
  let pkgDir: string;
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
    pkgDir = join(dir, 'base-package');
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
    running = await startHub(
      registryHubConfig({ trainers: [{ name: 'gpu-1', passwordHash: hashPassword('trainer-pw') }] }, [B]),
    );
    hub = running.hub;
    url = running.httpUrl;
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
    agent?.kill();
    await agent?.exited;
    await running?.close();
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

  it('shadows the candidate at site B through a real agent, shows its agreement beside production, promotes it', async (t) => {
    const CANDIDATE = '1.1.0-site-b.1';
    const agentDir = join(dir, 'agent');
    const inDir = join(agentDir, 'incoming');
    const keysDir = join(agentDir, 'keys');
    const logFile = join(agentDir, 'agent.log');
    mkdirSync(inDir, { recursive: true });
    mkdirSync(keysDir);
    writeFileSync(join(keysDir, 'fleet.pub.pem'), PUBLISHER_KEYS.publicKeyPem);
    writeFileSync(logFile, '');
    writeFileSync(
      join(agentDir, 'agent.json'),
      JSON.stringify({
        site: B.site,
        agentId: B.agent,
        siteSecret: 'site-b-secret-0123456789abcdef',
        dataDir: join(agentDir, 'data'),
        watch: [{ path: inDir, stableMs: 400, rescanIntervalMs: 2000, incompleteGraceMs: 4000 }],
        model: { dir: pkgDir, trustedKeysDir: keysDir, runtime: 'onnxruntime' },
        mqtt: {
          url: running.mqttUrl,
          username: `${B.site}/${B.agent}`,
          password: PASSWORDS.agent,
          statusIntervalMs: 1000,
          retryInitialMs: 1000,
          retryMaxMs: 5000,
        },
        http: { port: 0 },
        disk: { minFreeBytes: 0, minFreePercent: 0 },
        pixels: { policy: 'none' }, // reads need no pixels here; the preview's text detection would triple the time
        batchSize: 4,
        concurrency: 2,
        logLevel: 'info',
      }),
    );
    agent = startCxrService(['agent', '--config', join(agentDir, 'agent.json')], { logFile });
    const agentOn = (version: string) =>
      waitFor(async () => {
        const me = (await hub.agents.list()).find((a) => a.site === B.site && a.agent === B.agent);
        return me?.online && me.status?.model?.version === version ? me : undefined;
      }, 90_000);
    await agentOn('1.0.0');

    const started = await boss.send('POST', '/api/shadows', { alias: 'candidate', sites: [B.site], minReads: 1000 });
    assert.equal(started.statusCode, 201, started.body);
    const shadow = started.json() as { id: string; version: string; reportUrl: string | null };
    assert.equal(shadow.version, CANDIDATE);
    assert.equal(shadow.reportUrl, `/api/training/reports/${CANDIDATE}`, "the candidate's evaluation report");
    await waitFor(() => readFileSync(logFile, 'utf8').includes('live shadow scoring beside the active model'), 90_000);

    // The site-B films through the agent: each result carries production's findings and the candidate's output.
    const rows = readFileSync(join(SITE_B, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    const films = rows.map((row) => {
      const [file, label] = row.split(',') as [string, string];
      const bytes = readFileSync(join(SITE_B, file));
      const contentSha256 = createHash('sha256').update(bytes).digest('hex');
      copyFileSync(join(SITE_B, file), join(inDir, file.split('/').at(-1)!));
      return { resultId: resultIdFor(B.site, contentSha256, '1.0.0'), present: label === 'Lung Opacity' };
    });
    type View = {
      status: string;
      rolloutId: string | null;
      agreement: {
        overall: { films: number; reads: number; production: { agreed: number }; candidate: { agreed: number } };
        sites: { site: string; reads: number }[];
        productionVersions: string[];
      };
    };
    const view = async () => (await rad.get(`/api/shadows/${shadow.id}`)).json() as View;
    await waitFor(async () => ((await view()).agreement.overall.films === films.length ? true : undefined), 180_000);
    const stored = await hub.db.kysely
      .selectFrom('results as r')
      .innerJoin('result_shadows as s', 's.result_row', 'r.id')
      .select([
        'r.result_id',
        'r.model_version',
        'r.flags',
        'r.triage',
        'r.probabilities',
        's.version',
        's.flags as sf',
      ])
      .select('s.probabilities as sp')
      .execute();
    assert.equal(stored.length, films.length);
    assert.ok(stored.every((r) => r.model_version === '1.0.0' && r.version === CANDIDATE));
    assert.ok(
      stored.some((r) => r.probabilities !== r.sp),
      'two different models scored the films',
    );

    // Reads signed through the API with the data set's labels; the agreement counted here independently.
    let productionAgreed = 0;
    let candidateAgreed = 0;
    for (const film of films) {
      const row = stored.find((r) => r.result_id === film.resultId);
      assert.ok(row, `a result for each film (${film.resultId})`);
      const classes = (JSON.parse(row.triage ?? '{}') as { findingClasses: string[] }).findingClasses;
      const truth = (c: string) => c === 'Lung Opacity' && film.present;
      const agrees = (flags: string[]) => classes.every((c) => flags.includes(c) === truth(c));
      if (agrees(JSON.parse(row.flags) as string[])) productionAgreed++;
      if (agrees(JSON.parse(row.sf) as string[])) candidateAgreed++;
      const signed = await rad.send('POST', `/api/studies/${film.resultId}/reads`, {
        decisions: Object.fromEntries(classes.map((c) => [c, truth(c) ? 'present' : 'absent'])),
        impression: film.present ? 'pneumonia' : 'normal chest',
        normal: !film.present,
        agreedWithAi: false,
        basedOn: 0,
      });
      assert.equal(signed.statusCode, 201, signed.body);
    }
    const live = await view();
    assert.equal(live.status, 'running', 'fewer read films than its minimum: no automatic stop');
    assert.deepEqual(live.agreement.productionVersions, ['1.0.0']);
    assert.equal(live.agreement.overall.reads, films.length);
    assert.equal(live.agreement.sites[0]?.reads, films.length);
    assert.equal(live.agreement.overall.production.agreed, productionAgreed);
    assert.equal(live.agreement.overall.candidate.agreed, candidateAgreed);
    t.diagnostic(`agreement with the reads: production ${productionAgreed}/32, candidate ${candidateAgreed}/32`);

    // The admin's click: the staged rollout of the candidate; the agent ends on it and its results carry it.
    const promoted = await boss.send('POST', `/api/shadows/${shadow.id}/promote`, { waves: [{ percent: 100 }] });
    assert.equal(promoted.statusCode, 200, promoted.body);
    const { rolloutId } = promoted.json() as View;
    assert.ok(rolloutId);
    await agentOn(CANDIDATE);
    await waitFor(async () => {
      const r = (await rad.get(`/api/rollouts/${rolloutId}`)).json() as { status: string };
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    copyFileSync(join(root, 'models/samples/nih/images/00000017_000.png'), join(inDir, 'after.png'));
    const after = await waitFor(
      () =>
        hub.db.kysely
          .selectFrom('results')
          .select(['id', 'model_version'])
          .where('model_version', '=', CANDIDATE)
          .executeTakeFirst(),
      90_000,
    );
    const shadowed = await hub.db.kysely
      .selectFrom('result_shadows')
      .select('result_row')
      .where('result_row', '=', after.id)
      .execute();
    assert.deepEqual(shadowed, [], 'the shadow ended with the promotion');
    const audit = (await boss.get(`/api/audit?target=${shadow.id}&limit=20`)).json() as {
      entries: { actor: string; action: string }[];
    };
    assert.deepEqual(audit.entries.map((e) => `${e.actor}:${e.action}`).reverse(), [
      'boss:shadow.start',
      'boss:shadow.promote',
    ]);
  });
});
