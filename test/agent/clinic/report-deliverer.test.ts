/**
 * The deliverer on a real SQLite database and real folders: a stored report becomes PDF/JSON/SR files; a results
 * folder that cannot be written is retried with backoff until it can; a report the hub sends twice is one report.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import pino from 'pino';
import { ReportDeliverer } from '../../../agent/clinic/report-deliverer.ts';
import { openAgentDatabase } from '../../../agent/store/database.ts';
import { IdentityStore } from '../../../agent/store/identity-store.ts';
import { ReportStore } from '../../../agent/store/report-store.ts';
import { clinicReport, storedIdentity } from './clinic-fixtures.ts';

async function until(check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('writes the files once stored, retries an unwritable folder, and stores a re-sent report once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-deliver-'));
  const db = openAgentDatabase(join(root, 'agent.db'));
  const identities = new IdentityStore(db);
  const reports = new ReportStore(db, false);
  const { studyGroup: _g, alertedAt: _a, hasPreview: _p, ...entry } = storedIdentity();
  identities.record(entry);
  const resultsDir = join(root, 'results');
  writeFileSync(resultsDir, 'a file where the folder should be'); // not writable as a folder
  const deliverer = new ReportDeliverer({
    reports,
    identities,
    resultsDir,
    outputs: { pdf: true, json: true, sr: true },
    siteName: 'Clinic One',
    retry: { initialMs: 50, maxMs: 100 },
    log: pino({ level: 'silent' }),
    now: Date.now,
  });
  try {
    assert.equal(deliverer.receive(clinicReport()), 'stored');
    assert.equal(deliverer.receive(clinicReport()), 'duplicate');
    await until(() => (reports.forResult(clinicReport().resultId)[0]?.attempts ?? 0) >= 1);
    assert.match(
      reports.forResult(clinicReport().resultId)[0]?.lastError ?? '',
      /CXR_ERR_AGENT_REPORT_DELIVERY_FAILED|EEXIST|ENOTDIR/,
    );
    rmSync(resultsDir);
    mkdirSync(resultsDir);
    deliverer.kick();
    await until(() => reports.pendingCount() === 0);
    const names = readdirSync(resultsDir).sort();
    assert.deepEqual(
      names.map((n) => n.replace(/^.*_v1/, 'v1')),
      ['v1.json', 'v1.pdf', 'v1.sr.dcm'],
    );
    assert.ok(
      names.every((n) => n.includes('ZQ-1')),
      'named for the patient ID',
    );
    assert.ok(existsSync(join(resultsDir, names[0] as string)));
  } finally {
    await deliverer.close();
    db.close();
  }
});

it('delivers after an agent restart what was stored but not yet written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-deliver-restart-'));
  const file = join(root, 'agent.db');
  const resultsDir = join(root, 'results');
  const before = openAgentDatabase(file);
  assert.equal(new ReportStore(before, false).receive(clinicReport(), Date.now()), 'stored'); // acked, then the agent stopped
  before.close();
  const db = openAgentDatabase(file);
  const reports = new ReportStore(db, false);
  const deliverer = new ReportDeliverer({
    reports,
    identities: new IdentityStore(db),
    resultsDir,
    outputs: { pdf: true, json: true, sr: true },
    siteName: 'Clinic One',
    retry: { initialMs: 50, maxMs: 100 },
    log: pino({ level: 'silent' }),
    now: Date.now,
  });
  try {
    deliverer.start();
    await until(() => reports.pendingCount() === 0);
    // No identity on this agent: PDF and JSON are written; an SR needs the original's UIDs.
    assert.deepEqual(
      readdirSync(resultsDir)
        .map((n) => n.replace(/^.*_v1/, 'v1'))
        .sort(),
      ['v1.json', 'v1.pdf'],
    );
  } finally {
    await deliverer.close();
    db.close();
  }
});
