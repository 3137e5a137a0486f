/**
 * Reviews: a radiologist confirms or overrides the AI per class with a short report. One transaction
 * writes the review, its per-class labels, the study's status and the audit entry (before/after).
 */
import { CxrError } from '../../models/errors.ts';
import type { AuditStore } from './audit-store.ts';
import type { HubDb } from './db.ts';
import { type AgreementCounts, type ClassLabel, type Decision, labelsFor } from './review-labels.ts';

export interface ReviewInput {
  resultId: string;
  reviewer: string;
  decisions: Record<string, Decision>;
  report: string;
}

export interface StoredReview {
  id: number;
  reviewer: string;
  at: string;
  report: string;
  labels: ClassLabel[];
}

export interface ReviewsStore {
  submit(input: ReviewInput, now: Date): StoredReview;
  latest(resultRow: number): StoredReview | undefined;
  agreement(): AgreementCounts[];
}

interface ReviewRow {
  id: number;
  reviewer: string;
  at: string;
  report: string;
  decisions: string;
}

const toReview = (row: ReviewRow): StoredReview => ({
  id: row.id,
  reviewer: row.reviewer,
  at: row.at,
  report: row.report,
  labels: JSON.parse(row.decisions),
});

export function createReviewsStore(db: HubDb, audit: AuditStore): ReviewsStore {
  const findResult = db.prepare('SELECT id, classes, flags, status FROM results WHERE result_id = ?');
  const latestReview = db.prepare('SELECT * FROM reviews WHERE result_row = ? ORDER BY id DESC LIMIT 1');
  const insertReview = db.prepare(
    'INSERT INTO reviews (result_row, reviewer, at, report, decisions) VALUES (?, ?, ?, ?, ?)',
  );
  const insertLabel = db.prepare(
    'INSERT INTO review_labels (review_id, result_row, class, ai_flag, label) VALUES (?, ?, ?, ?, ?)',
  );
  const markReviewed = db.prepare("UPDATE results SET status = 'reviewed' WHERE id = ?");
  const agreementSql = db.prepare(`
    SELECT class,
      count(*) AS reviewed,
      sum(ai_flag = label) AS agree,
      sum(ai_flag = 1 AND label = 1) AS truePositive,
      sum(ai_flag = 1 AND label = 0) AS falsePositive,
      sum(ai_flag = 0 AND label = 1) AS falseNegative,
      sum(ai_flag = 0 AND label = 0) AS trueNegative
    FROM review_labels
    WHERE review_id IN (SELECT max(id) FROM reviews GROUP BY result_row)
    GROUP BY class ORDER BY class`);

  const submit = db.transaction((input: ReviewInput, now: Date): StoredReview => {
    const result = findResult.get(input.resultId) as
      | { id: number; classes: string; flags: string; status: string }
      | undefined;
    if (result === undefined) throw new CxrError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    const classes = JSON.parse(result.classes) as string[];
    const unknown = Object.keys(input.decisions).filter((cls) => !classes.includes(cls));
    if (unknown.length > 0) {
      throw new CxrError('CXR_ERR_HUB_REVIEW_INVALID', `unknown class(es) for this model: ${unknown.join(', ')}`);
    }
    const previous = latestReview.get(result.id) as ReviewRow | undefined;
    const labels = labelsFor(classes, JSON.parse(result.flags), input.decisions);
    const at = now.toISOString();
    const info = insertReview.run(result.id, input.reviewer, at, input.report, JSON.stringify(labels));
    const id = Number(info.lastInsertRowid);
    for (const l of labels) insertLabel.run(id, result.id, l.class, l.aiFlag ? 1 : 0, l.label ? 1 : 0);
    markReviewed.run(result.id);
    const review: StoredReview = { id, reviewer: input.reviewer, at, report: input.report, labels };
    audit.append(
      {
        actor: input.reviewer,
        action: 'review.submit',
        target: input.resultId,
        before: previous ? { status: result.status, review: toReview(previous) } : { status: result.status },
        after: { status: 'reviewed', review },
      },
      now,
    );
    return review;
  });

  return {
    submit: (input, now) => submit(input, now),
    latest(resultRow) {
      const row = latestReview.get(resultRow) as ReviewRow | undefined;
      return row ? toReview(row) : undefined;
    },
    agreement: () => agreementSql.all() as AgreementCounts[],
  };
}
