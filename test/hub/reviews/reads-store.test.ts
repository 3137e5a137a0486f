/** Contract of the reads and claims stores, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAuditStore } from '../../../hub/accounts/audit-store.ts';
import type { HubDb } from '../../../hub/db/database.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore } from '../../../hub/results/results-store.ts';
import { createClaimsStore } from '../../../hub/reviews/claims-store.ts';
import { createReadsStore, type SignInput } from '../../../hub/reviews/reads-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

const AT = new Date('2026-02-02T09:00:00Z');
const ALL_ABSENT = { Atelectasis: 'absent', Effusion: 'absent', Pneumonia: 'absent' } as const;

async function setup(db: HubDb) {
  const messages = [await resultMessage({ flags: ['Effusion'] }), await resultMessage({ flags: [] })];
  await createResultsStore(db).insertMany(messages.map((m) => resultRow(m, {}, new Date(AT.getTime() - 3_600_000))));
  const sign = (over: Partial<SignInput> = {}): SignInput => ({
    resultId: messages[0]!.resultId,
    reader: 'rad',
    decisions: { ...ALL_ABSENT, Effusion: 'present' },
    impression: 'Left effusion.',
    normal: false,
    agreedWithAi: true,
    basedOn: 0,
    source: '10.0.0.7',
    ...over,
  });
  return { messages, reads: createReadsStore(db), claims: createClaimsStore(db, 600_000), sign };
}

describeOnEachEngine('reads store', (fresh) => {
  it('refuses an incomplete, invalid or inconsistent read, and stores nothing', async () => {
    const db = await fresh();
    const { reads, sign, messages } = await setup(db);
    await assert.rejects(reads.sign(sign({ decisions: {} }), AT), { code: 'CXR_ERR_HUB_READ_INCOMPLETE' });
    await assert.rejects(
      reads.sign(sign({ decisions: { Effusion: 'present' } }), AT),
      (e: { code: string; details: { classes: string[] } }) => {
        assert.equal(e.code, 'CXR_ERR_HUB_READ_INCOMPLETE');
        assert.deepEqual(e.details.classes, ['Atelectasis', 'Pneumonia']);
        return true;
      },
    );
    await assert.rejects(reads.sign(sign({ normal: true }), AT), { code: 'CXR_ERR_HUB_READ_INCONSISTENT' });
    await assert.rejects(reads.sign(sign({ impression: ' ' }), AT), { code: 'CXR_ERR_HUB_READ_INCOMPLETE' });
    await assert.rejects(reads.sign(sign({ decisions: { ...ALL_ABSENT, Normal: 'absent' } as never }), AT), {
      code: 'CXR_ERR_HUB_READ_INVALID',
    });
    await assert.rejects(reads.sign(sign({ resultId: '0'.repeat(64) }), AT), { code: 'CXR_ERR_HUB_NOT_FOUND' });
    const row = await createResultsStore(db).get(messages[0]!.resultId, AT.getTime());
    assert.equal(row?.row.status, 'unread');
    assert.deepEqual(await reads.list(row!.row.id), []);
  });

  it('signs a read, then an addendum on top of it; the original is kept and both are audited', async () => {
    const db = await fresh();
    const { reads, sign, messages } = await setup(db);
    const first = await reads.sign(sign(), AT);
    assert.equal(first.read.version, 1);
    assert.deepEqual(first.study.aiFindings, ['Effusion']);
    const later = new Date(AT.getTime() + 60_000);
    const second = await reads.sign(
      sign({
        reader: 'boss',
        basedOn: 1,
        impression: 'Also small atelectasis.',
        decisions: { ...ALL_ABSENT, Effusion: 'present', Atelectasis: 'present' },
        agreedWithAi: false,
      }),
      later,
    );
    assert.equal(second.read.version, 2);
    const stored = await createResultsStore(db).get(messages[0]!.resultId, later.getTime());
    assert.equal(stored?.row.status, 'reviewed');
    assert.equal(stored?.row.signed_ms, AT.getTime(), 'turnaround counts from the first signing');
    const versions = await reads.list(stored!.row.id);
    assert.deepEqual(
      versions.map((r) => [r.version, r.reader, r.impression]),
      [
        [1, 'rad', 'Left effusion.'],
        [2, 'boss', 'Also small atelectasis.'],
      ],
    );
    const audit = await createAuditStore(db).list({ limit: 10, target: messages[0]!.resultId });
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor, e.source]),
      [
        ['read.addendum', 'boss', '10.0.0.7'],
        ['read.sign', 'rad', '10.0.0.7'],
      ],
    );
  });

  it('refuses to sign over a version the reader has not seen', async () => {
    const db = await fresh();
    const { reads, sign } = await setup(db);
    await reads.sign(sign(), AT);
    await assert.rejects(
      reads.sign(sign({ reader: 'boss', basedOn: 0 }), AT),
      (e: { code: string; details: { latestVersion: number } }) => {
        assert.equal(e.code, 'CXR_ERR_HUB_READ_CONFLICT');
        assert.equal(e.details.latestVersion, 1);
        return true;
      },
    );
  });

  it('counts agreement per finding from explicit decisions on the latest version only', async () => {
    const db = await fresh();
    const { reads, sign, messages } = await setup(db);
    await reads.sign(sign({ decisions: ALL_ABSENT, agreedWithAi: false }), AT);
    await reads.sign(sign({ basedOn: 1 }), AT);
    await reads.sign(
      sign({ resultId: messages[1]!.resultId, decisions: ALL_ABSENT, impression: 'Normal.', normal: true }),
      AT,
    );
    const byClass = Object.fromEntries((await reads.agreement()).map((a) => [a.class, a]));
    assert.deepEqual(byClass.Effusion, {
      class: 'Effusion',
      reads: 2,
      agree: 2,
      aiCalledPresent: 1,
      aiCalledAbsent: 0,
      aiMissedPresent: 0,
      aiClearAbsent: 1,
    });
    assert.equal(byClass.Atelectasis?.aiClearAbsent, 2);
    assert.equal(byClass.Normal, undefined, '"Normal" is never a finding');
  });

  it('rolls the read back when the work done inside the signing transaction fails', async () => {
    const db = await fresh();
    const { reads, sign, messages } = await setup(db);
    await assert.rejects(
      reads.sign(sign(), AT, async () => {
        throw new Error('outbox unavailable');
      }),
      /outbox unavailable/,
    );
    const stored = await createResultsStore(db).get(messages[0]!.resultId, AT.getTime());
    assert.equal(stored?.row.status, 'unread');
    assert.deepEqual(await reads.list(stored!.row.id), []);
  });
});

describeOnEachEngine('claims store', (fresh) => {
  it('claims, renews, refuses another reader, and lets a claim lapse', async () => {
    const db = await fresh();
    const { claims, messages, reads, sign } = await setup(db);
    const resultId = messages[0]!.resultId;
    const mine = await claims.claim({ resultId, user: 'rad', takeOver: false }, AT);
    assert.equal(mine.by, 'rad');
    const renewed = await claims.claim({ resultId, user: 'rad', takeOver: false }, new Date(AT.getTime() + 1000));
    assert.equal(renewed.at, mine.at, 'a renewal keeps the claim time');
    await assert.rejects(
      claims.claim({ resultId, user: 'boss', takeOver: false }, AT),
      (e: { code: string; details: { claim: { by: string } } }) => {
        assert.equal(e.code, 'CXR_ERR_HUB_STUDY_CLAIMED');
        assert.equal(e.details.claim.by, 'rad');
        return true;
      },
    );
    await assert.rejects(reads.sign(sign({ reader: 'boss' }), AT), { code: 'CXR_ERR_HUB_STUDY_CLAIMED' });
    const lapsed = new Date(AT.getTime() + 1000 + 600_001);
    assert.equal((await claims.claim({ resultId, user: 'boss', takeOver: false }, lapsed)).by, 'boss');
  });

  it('takes over only when asked, and audits whose claim it was; an admin releases anyone’s, audited', async () => {
    const db = await fresh();
    const { claims, messages, reads, sign } = await setup(db);
    const resultId = messages[0]!.resultId;
    await claims.claim({ resultId, user: 'rad', takeOver: false }, AT);
    const taken = await claims.claim({ resultId, user: 'boss', takeOver: true, source: '10.1.1.1' }, AT);
    assert.equal(taken.by, 'boss');
    await assert.rejects(claims.release({ resultId, user: 'rad', asAdmin: false }, AT), {
      code: 'CXR_ERR_HUB_STUDY_CLAIMED',
    });
    await claims.release({ resultId, user: 'admin', asAdmin: true }, AT);
    await claims.claim({ resultId, user: 'rad', takeOver: false }, AT);
    await reads.sign(sign(), AT);
    assert.equal(await claims.release({ resultId, user: 'rad', asAdmin: false }, AT), null, 'signing released it');
    const audit = await createAuditStore(db).list({ limit: 10, target: resultId });
    const takeover = audit.find((e) => e.action === 'claim.takeover');
    assert.ok(takeover);
    assert.deepEqual((takeover.before as { claim: { by: string } }).claim.by, 'rad');
    assert.equal(takeover?.source, '10.1.1.1');
    assert.ok(audit.some((e) => e.action === 'claim.release' && e.actor === 'admin'));
  });
});
