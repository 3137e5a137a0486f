/**
 * Contract of the report outbox store (hub/reports/report-outbox-store.ts) on SQLite and PostgreSQL: one row per
 * (resultId, version) whatever is enqueued again, pending reports oldest first with their payload intact, the
 * resend filter on the last send, acks and rejections only from the report's own agent, counts per state, and an
 * enqueue that rolls back with the caller's transaction (the read is signed and enqueued in one).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createReportOutboxStore } from '../../../hub/reports/report-outbox-store.ts';
import type { ClinicReport } from '../../../protocol/messages.ts';
import { clinicReport } from '../../agent/clinic/clinic-fixtures.ts';
import { describeOnEachEngine } from '../db/engines.ts';

/** Epoch milliseconds past 2^32, as the hub's clock gives them. */
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const id = (c: string) => c.repeat(64);
const report = (resultId: string, version = 1, extra: Partial<ClinicReport> = {}) =>
  clinicReport({ resultId, version, ...extra });

describeOnEachEngine('report outbox store', (fresh) => {
  it('enqueues each (resultId, version) once and keeps the first payload', async () => {
    const outbox = createReportOutboxStore(await fresh());
    const first = report(id('a'), 1, { impression: 'Épanchement pleural droit — 5 mm ✓' });
    assert.equal(await outbox.enqueue(first, T0), true);
    assert.equal(await outbox.enqueue({ ...first, impression: 'changed' }, T0 + 1), false);
    assert.equal(await outbox.enqueue(report(id('a'), 2, { addendum: 'seen again' }), T0 + 2), true);
    assert.deepEqual(await outbox.pending(), [
      { report: first, sentCount: 0 },
      { report: report(id('a'), 2, { addendum: 'seen again' }), sentCount: 0 },
    ]);
    assert.equal(await outbox.count('pending'), 2);
    assert.equal(await outbox.count('rejected'), 0);
  });

  it('lists pending reports by enqueue time, then resultId and version', async () => {
    const outbox = createReportOutboxStore(await fresh());
    await outbox.enqueue(report(id('c'), 1), T0 + 5);
    await outbox.enqueue(report(id('b'), 2), T0);
    await outbox.enqueue(report(id('b'), 1), T0);
    await outbox.enqueue(report(id('a'), 1), T0 + 1);
    await outbox.enqueue(report(id('B'), 1), T0);
    assert.deepEqual(
      (await outbox.pending()).map((p) => `${p.report.resultId[0]}${p.report.version}`),
      ['B1', 'b1', 'b2', 'a1', 'c1'],
      'byte order: uppercase before lowercase on both engines',
    );
  });

  it('counts sends and filters on the last one', async () => {
    const outbox = createReportOutboxStore(await fresh());
    await outbox.enqueue(report(id('a')), T0);
    await outbox.enqueue(report(id('b')), T0 + 1);
    await outbox.enqueue(report(id('c')), T0 + 2);
    await outbox.markSent(id('a'), 1, T0 + 1000);
    await outbox.markSent(id('a'), 1, T0 + 61_000);
    await outbox.markSent(id('b'), 1, T0 + 2000);
    await outbox.markSent(id('z'), 1, T0 + 2000); // no such row: nothing happens
    const sent = (p: { report: ClinicReport; sentCount: number; lastSentMs?: number }) => [
      p.report.resultId[0],
      p.sentCount,
      p.lastSentMs,
    ];
    assert.deepEqual((await outbox.pending()).map(sent), [
      ['a', 2, T0 + 61_000],
      ['b', 1, T0 + 2000],
      ['c', 0, undefined],
    ]);
    assert.equal('lastSentMs' in (await outbox.pending())[2]!, false, 'never sent: no lastSentMs key');
    assert.deepEqual((await outbox.pending(T0 + 61_000)).map(sent), [
      ['b', 1, T0 + 2000],
      ['c', 0, undefined],
    ]);
    assert.deepEqual((await outbox.pending(T0 + 2000)).map(sent), [['c', 0, undefined]], 'strictly before');
  });

  it('deletes a report only on its own agent’s ack', async () => {
    const outbox = createReportOutboxStore(await fresh());
    await outbox.enqueue(report(id('a'), 1), T0);
    await outbox.enqueue(report(id('a'), 2), T0);
    assert.equal(await outbox.acked(id('a'), 1, 'clinic-1', 'other-room'), false);
    assert.equal(await outbox.acked(id('a'), 1, 'clinic-9', 'room-2'), false);
    assert.equal(await outbox.acked(id('a'), 3, 'clinic-1', 'room-2'), false);
    assert.equal(await outbox.count('pending'), 2);
    assert.equal(await outbox.acked(id('a'), 1, 'clinic-1', 'room-2'), true);
    assert.equal(await outbox.acked(id('a'), 1, 'clinic-1', 'room-2'), false, 'a second ack finds nothing');
    assert.deepEqual(
      (await outbox.pending()).map((p) => p.report.version),
      [2],
    );
    assert.equal(await outbox.enqueue(report(id('a'), 1), T0 + 9), true, 'acked and gone: a new row');
  });

  it('keeps a rejected report with its reason, out of the pending list', async () => {
    const db = await fresh();
    const outbox = createReportOutboxStore(db);
    await outbox.enqueue(report(id('a')), T0);
    await outbox.enqueue(report(id('b')), T0);
    assert.equal(await outbox.rejected(id('a'), 1, 'clinic-1', 'other-room', 'no'), false);
    assert.equal(await outbox.rejected(id('a'), 1, 'clinic-1', 'room-2', 'x'.repeat(1500)), true);
    assert.equal(await outbox.rejected(id('a'), 1, 'clinic-1', 'room-2', 'again'), true, 'still there: updated');
    assert.equal(await outbox.rejected(id('q'), 1, 'clinic-1', 'room-2', 'none'), false);
    assert.deepEqual(
      (await outbox.pending()).map((p) => p.report.resultId),
      [id('b')],
    );
    assert.equal(await outbox.count('pending'), 1);
    assert.equal(await outbox.count('rejected'), 1);
    assert.equal(await outbox.enqueue(report(id('a')), T0 + 1), false, 'a rejected report is not enqueued again');
    await outbox.rejected(id('b'), 1, 'clinic-1', 'room-2', 'y'.repeat(1500));
    const reasons = await db.kysely.selectFrom('report_outbox').select('reason').orderBy('result_id').execute();
    assert.deepEqual(
      reasons.map((r) => r.reason),
      ['again', 'y'.repeat(1000)],
    );
  });

  it('enqueues inside the caller’s transaction: a rollback leaves nothing', async () => {
    const db = await fresh();
    await assert.rejects(
      db.transaction(async (tx) => {
        assert.equal(await createReportOutboxStore(tx).enqueue(report(id('a')), T0), true);
        throw new Error('signing failed');
      }),
      /signing failed/,
    );
    const outbox = createReportOutboxStore(db);
    assert.equal(await outbox.count('pending'), 0);
    await db.transaction((tx) => createReportOutboxStore(tx).enqueue(report(id('a')), T0));
    assert.equal(await outbox.count('pending'), 1);
  });
});
