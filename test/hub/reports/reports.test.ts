/**
 * The hub's report outbox on a real SQLite database: idempotent by (resultId, version), kept until the right
 * agent acks, re-sent after a hub restart and on reconnect, never re-sent once rejected; a malformed report is a
 * programmer error. The publisher here records what would go on the wire (the MQTT path is covered end to end
 * in test/integration/clinic-reports.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import pino from 'pino';
import { openHubDatabase } from '../../../hub/db/database.ts';
import { createReports, resendWaitMs } from '../../../hub/reports/reports.ts';
import type { ClinicReport } from '../../../protocol/messages.ts';
import type { AgentAddress } from '../../../protocol/topics.ts';
import { clinicReport } from '../../agent/clinic/clinic-fixtures.ts';

const log = pino({ level: 'silent' });

function wire() {
  const sent: { address: AgentAddress; report: ClinicReport }[] = [];
  return { sent, publish: (address: AgentAddress, report: ClinicReport) => sent.push({ address, report }) };
}

it('keeps a report until its own agent acks it, across a hub restart', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'cxr-reports-')), 'hub.db');
  let now = 1_000_000;
  const clock = () => new Date(now);
  let db = await openHubDatabase(`sqlite:${file}`);
  let reports = createReports({ db, now: clock, log, resendIntervalMs: 60_000 });
  const first = wire();

  await reports.enqueueReport(clinicReport()); // no publisher yet (broker down): only stored
  await reports.enqueueReport(clinicReport());
  assert.equal(await reports.outbox.count('pending'), 1);
  await db.close();

  db = await openHubDatabase(`sqlite:${file}`);
  reports = createReports({ db, now: clock, log, resendIntervalMs: 60_000 });
  reports.setPublisher(first.publish);
  assert.equal(await reports.resend(), 1, 'the hub sends what waits at start');
  assert.deepEqual(first.sent[0]?.address, { site: 'clinic-1', agent: 'room-2' });
  assert.equal(first.sent[0]?.report.version, 1);

  now += 10_000;
  assert.equal(await reports.resend({ onlyDue: true }), 0, 'sent 10 s ago: not due yet');
  now += 60_000;
  assert.equal(await reports.resend({ onlyDue: true }), 1);
  now += 70_000;
  assert.equal(await reports.resend({ onlyDue: true }), 0, 'the second wait is twice as long');
  now += 60_000;
  assert.equal(await reports.resend({ onlyDue: true }), 1);

  const ack = (resultId: string, status = 'stored') =>
    Buffer.from(JSON.stringify({ v: 1, resultId, version: 1, status }));
  await reports.handleAck({ site: 'clinic-1', agent: 'other' }, ack(clinicReport().resultId));
  assert.equal(await reports.outbox.count('pending'), 1, 'another agent cannot clear it');
  await reports.handleAck({ site: 'clinic-1', agent: 'room-2' }, Buffer.from('not json'));
  assert.equal(await reports.outbox.count('pending'), 1);
  await reports.handleAck({ site: 'clinic-1', agent: 'room-2' }, ack(clinicReport().resultId));
  assert.equal(await reports.outbox.count('pending'), 0);
  await reports.close();
  await db.close();
});

it('stops sending a report its agent rejected, and refuses a malformed one', async () => {
  const db = await openHubDatabase(`sqlite:${join(mkdtempSync(join(tmpdir(), 'cxr-reports-')), 'hub.db')}`);
  const reports = createReports({ db, now: () => new Date(), log, resendIntervalMs: 60_000 });
  const { sent, publish } = wire();
  reports.setPublisher(publish);
  await reports.enqueueReport(clinicReport({ version: 2, addendum: 'More.' }));
  assert.equal(sent.length, 1, 'published at once when the broker is up');
  const rejection = { v: 1, resultId: clinicReport().resultId, version: 2, status: 'rejected', reason: 'X' };
  await reports.handleAck({ site: 'clinic-1', agent: 'room-2' }, Buffer.from(JSON.stringify(rejection)));
  assert.equal(await reports.outbox.count('rejected'), 1);
  assert.equal(await reports.resend(), 0);
  await assert.rejects(reports.enqueueReport({ ...clinicReport(), impression: 42 } as unknown as ClinicReport), {
    code: 'CXR_ERR_PROTOCOL_INVALID',
  });
  await reports.close();
  await db.close();
});

it('waits longer after each unacked send, at most six hours', () => {
  assert.deepEqual(
    [1, 2, 3, 10, 100].map((n) => resendWaitMs(n, 60_000)),
    [60_000, 120_000, 240_000, 6 * 3_600_000, 6 * 3_600_000],
  );
});
