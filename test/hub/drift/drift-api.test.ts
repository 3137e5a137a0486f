/**
 * Drift through the API on a built SQLite hub (app.inject): a site whose films score far above its model's
 * reference histogram, whose reads disagree with the AI and whose agent refuses many inputs drifts — one log line
 * at the transition, the gauge on /metrics, the weeks on GET /api/drift, the banner's state — and the "fine-tune for
 * this site" action queues an audited fine-tune job. A site on a model package without a reference gets no PSI.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type BuiltHub, buildHub } from '../../../hub/main.ts';
import { packTar } from '../../../models/package/tar.ts';
import { writeTinyModelPackage } from '../../../models/package/tiny-model.ts';
import { SCORE_EDGES } from '../../../models/triage/score-histogram.ts';
import { type AgentAddress, topicFor } from '../../../protocol/topics.ts';
import { PASSWORDS, resultMessage, statusMessage, tempDir } from '../fixtures.ts';
import { type InjectUser, injectLogin } from '../inject-session.ts';
import { PUBLISH_TOKEN, PUBLISHER_KEYS, registryHubConfig } from '../registry-fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };
const B = { site: 'clinic-b', agent: 'xr-2' };
const NOW = Date.parse('2026-03-04T12:00:00Z'); // ISO week 2026-W10

interface Week {
  week: string;
  results: number;
  agreement: { reads: number; rate: number | null };
  scores: { modelVersion: string; psi: number | null; reference: string } | null;
  refused: { count: number; rate: number | null };
  drifting: boolean;
  reasons: string[];
}

describe('drift per site and week', () => {
  let hub: BuiltHub;
  let rad: InjectUser;
  let boss: InjectUser;
  const lines: Record<string, unknown>[] = [];

  const status = async (address: AgentAddress, quarantined: number) => {
    hub.dispatch(
      topicFor(address, 'status'),
      Buffer.from(JSON.stringify(statusMessage(address.site, address.agent, { quarantined }))),
    );
    await hub.drain();
  };

  before(async () => {
    const config = registryHubConfig(
      { drift: { minReads: 4, minResults: 10, minAgreement: 0.8, maxPsi: 0.25, maxRefusedRate: 0.1 } },
      [A, B],
    );
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    hub = await buildHub({ config, log, now: () => new Date(NOW) });
    rad = await injectLogin(hub, 'rad', PASSWORDS.radiologist);
    boss = await injectLogin(hub, 'boss', PASSWORDS.admin);
    const dir = join(tempDir('cxr-drift-pkg-'), 'pkg');
    mkdirSync(dir);
    await writeTinyModelPackage(dir, {
      version: '1.0.0',
      keyPair: PUBLISHER_KEYS,
      manifestOverrides: {
        referenceScores: {
          score: 'max-finding-probability',
          edges: [...SCORE_EDGES],
          counts: [50, 30, 10, 5, 3, 1, 1, 0, 0, 0],
          fittedOn: 'validation split, 100 images',
        },
      },
    });
    const published = await hub.app.inject({
      method: 'POST',
      url: '/api/models',
      headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
      payload: await packTar(dir),
    });
    assert.equal(published.statusCode, 201, published.body);

    await status(A, 0);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const scoredAt = new Date(NOW - 3_600_000 + i).toISOString();
      const a = await resultMessage({
        ...A,
        scoredAt,
        probabilities: { Atelectasis: 0.2, Effusion: 0.95, Pneumonia: 0.3 },
      });
      const b = await resultMessage({
        ...B,
        scoredAt,
        model: { name: 'old', version: '0.9.0', sha256: 'c'.repeat(64) },
        probabilities: { Atelectasis: 0.1, Effusion: 0.2, Pneumonia: 0.1 },
        flags: [],
      });
      for (const [address, message] of [
        [A, a],
        [B, b],
      ] as const)
        hub.dispatch(topicFor(address, 'result'), Buffer.from(JSON.stringify(message)));
      ids.push(a.resultId);
    }
    await hub.drain();
    for (const id of ids.slice(0, 4)) {
      const read = await rad.send('POST', `/api/studies/${id}/reads`, {
        decisions: { Atelectasis: 'absent', Effusion: 'absent', Pneumonia: 'absent' },
        impression: 'clear lungs',
        normal: true,
        agreedWithAi: false,
        basedOn: 0,
      });
      assert.equal(read.statusCode, 201, read.body);
    }
    await status(A, 5);
  });
  after(() => hub.close());

  it('judges each week: agreement from reads, PSI against the package reference, refused inputs', async () => {
    const response = await rad.get('/api/drift?weeks=2');
    assert.equal(response.statusCode, 200, JSON.stringify(response.json()));
    const body = response.json() as { thresholds: Record<string, number>; sites: { site: string; weeks: Week[] }[] };
    assert.equal(body.thresholds.maxPsi, 0.25);
    const a = body.sites.find((s) => s.site === 'clinic-a')?.weeks[0];
    assert.equal(a?.week, '2026-W10');
    assert.equal(a?.results, 12);
    assert.deepEqual(a?.agreement, { reads: 4, rate: 0 });
    assert.equal(a?.scores?.reference, 'model-package');
    assert.ok((a?.scores?.psi ?? 0) > 1, `psi ${a?.scores?.psi}`);
    assert.deepEqual(a?.refused, { count: 5, rate: 5 / 17 });
    assert.deepEqual(a?.reasons, ['agreement', 'score-distribution', 'refused-inputs']);
    const b = body.sites.find((s) => s.site === 'clinic-b')?.weeks[0];
    assert.deepEqual(b?.scores, { modelVersion: '0.9.0', psi: null, reference: 'none' }, 'no reference, no PSI');
    assert.equal(b?.drifting, false);
  });

  it('logs a transition once, exposes the gauge and the banner state, and queues a fine-tune for the site', async () => {
    await hub.drift.evaluate();
    await hub.drift.evaluate();
    const logged = lines.filter((l) => l.msg === 'site drifting');
    assert.equal(logged.length, 1, 'one line per transition');
    assert.equal(logged[0]?.site, 'clinic-a');
    assert.deepEqual(logged[0]?.reasons, ['agreement', 'score-distribution', 'refused-inputs']);

    const metrics = await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.match(metrics.body, /cxr_hub_site_drifting\{site="clinic-a"\} 1/);
    assert.match(metrics.body, /cxr_hub_site_drifting\{site="clinic-b"\} 0/);
    assert.match(metrics.body, /cxr_hub_site_ai_agreement\{site="clinic-a"\} 0/);

    const state = (await rad.get('/api/drift/state')).json() as { sites: { site: string; drifting: boolean }[] };
    assert.deepEqual(
      state.sites.map((s) => [s.site, s.drifting]),
      [
        ['clinic-a', true],
        ['clinic-b', false],
      ],
    );

    assert.equal((await rad.send('POST', '/api/drift/clinic-a/fine-tune', {})).statusCode, 403);
    const queued = await boss.send('POST', '/api/drift/clinic-a/fine-tune', {});
    assert.equal(queued.statusCode, 201, queued.body);
    const job = queued.json() as { id: string; kind: string; site: string; status: string };
    assert.deepEqual([job.kind, job.site, job.status], ['fine-tune', 'clinic-a', 'queued']);
    const audit = (await boss.get('/api/audit?limit=50')).json() as {
      entries: { action: string; target: string; after: { job: string; reasons: string[] } }[];
    };
    const entry = audit.entries.find((e) => e.action === 'drift.fine-tune');
    assert.equal(entry?.target, 'clinic-a');
    assert.equal(entry?.after.job, job.id);
    assert.deepEqual(entry?.after.reasons, ['agreement', 'score-distribution', 'refused-inputs']);
  });
});
