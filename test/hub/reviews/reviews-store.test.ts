/** Contract of the reviews store, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAuditStore } from '../../../hub/accounts/audit-store.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore } from '../../../hub/results/results-store.ts';
import { createReviewsStore } from '../../../hub/reviews/reviews-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

describeOnEachEngine('reviews store', (fresh) => {
  it('stores a review with its labels, marks the study reviewed, audits it, and counts agreement on the latest review', async () => {
    const db = await fresh();
    const results = createResultsStore(db);
    const messages = [await resultMessage({ flags: ['Effusion'] }), await resultMessage({ flags: [] })];
    await results.insertMany(messages.map((m) => resultRow(m, {}, new Date())));
    const reviews = createReviewsStore(db);
    const at = new Date('2026-02-02T09:00:00Z');
    const first = await reviews.submit(
      { resultId: messages[0]!.resultId, reviewer: 'rad', decisions: { Effusion: 'override' }, report: 'clear' },
      at,
    );
    const second = await reviews.submit(
      { resultId: messages[0]!.resultId, reviewer: 'boss', decisions: {}, report: 'effusion after all' },
      at,
    );
    await reviews.submit({ resultId: messages[1]!.resultId, reviewer: 'rad', decisions: {}, report: '' }, at);
    assert.ok(second.id > first.id);
    const row = await results.get(messages[0]!.resultId);
    assert.equal(row?.status, 'reviewed');
    assert.deepEqual(await reviews.latest(row!.id), second);
    assert.deepEqual(
      second.labels.map((l) => [l.class, l.aiFlag, l.decision, l.label]),
      [
        ['Atelectasis', false, 'confirm', false],
        ['Effusion', true, 'confirm', true],
        ['Pneumonia', false, 'confirm', false],
      ],
    );
    const effusion = (await reviews.agreement()).find((a) => a.class === 'Effusion');
    assert.deepEqual(effusion, {
      class: 'Effusion',
      reviewed: 2,
      agree: 2,
      truePositive: 1,
      falsePositive: 0,
      falseNegative: 0,
      trueNegative: 1,
    });
    const [entry] = await createAuditStore(db).list({ limit: 1, target: messages[0]!.resultId });
    assert.equal(entry?.action, 'review.submit');
    assert.equal((entry!.before as { review: { id: number } }).review.id, first.id);
  });

  it('refuses an unknown study and unknown classes, writing nothing', async () => {
    const db = await fresh();
    const message = await resultMessage();
    await createResultsStore(db).insertMany([resultRow(message, {}, new Date())]);
    const reviews = createReviewsStore(db);
    const now = new Date();
    await assert.rejects(
      reviews.submit({ resultId: '0'.repeat(64), reviewer: 'rad', decisions: {}, report: '' }, now),
      (e: Error & { code?: string }) => e.code === 'CXR_ERR_HUB_NOT_FOUND',
    );
    await assert.rejects(
      reviews.submit(
        { resultId: message.resultId, reviewer: 'rad', decisions: { Fracture: 'confirm' }, report: '' },
        now,
      ),
      (e: Error & { code?: string }) => e.code === 'CXR_ERR_HUB_REVIEW_INVALID',
    );
    assert.equal((await createResultsStore(db).get(message.resultId))?.status, 'unread');
    assert.deepEqual(await reviews.agreement(), []);
  });
});
