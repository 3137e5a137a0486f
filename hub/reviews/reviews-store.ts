/**
 * Reviews: a radiologist confirms or overrides the AI per class with a short report. One transaction
 * writes the review, its per-class labels, the study's status and the audit entry (before/after).
 */
import { type Selectable, sql } from 'kysely';
import { CxrError } from '../../models/errors.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import { countAll, countWhere } from '../db/dialect-sql.ts';
import type { ReviewsTable } from '../db/tables.ts';
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
  submit(input: ReviewInput, now: Date): Promise<StoredReview>;
  latest(resultRow: number): Promise<StoredReview | undefined>;
  agreement(): Promise<AgreementCounts[]>;
}

type ReviewRow = Pick<Selectable<ReviewsTable>, 'id' | 'reviewer' | 'at' | 'report' | 'decisions'>;

const toReview = (row: ReviewRow): StoredReview => ({
  id: row.id,
  reviewer: row.reviewer,
  at: row.at,
  report: row.report,
  labels: JSON.parse(row.decisions),
});

export function createReviewsStore(db: HubDb): ReviewsStore {
  const latest = (tx: HubDb, resultRow: number) =>
    tx.kysely
      .selectFrom('reviews')
      .select(['id', 'reviewer', 'at', 'report', 'decisions'])
      .where('result_row', '=', resultRow)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();

  const submit = (input: ReviewInput, now: Date) =>
    db.transaction(async (tx): Promise<StoredReview> => {
      const result = await tx.kysely
        .selectFrom('results')
        .select(['id', 'classes', 'flags', 'status'])
        .where('result_id', '=', input.resultId)
        .executeTakeFirst();
      if (result === undefined) throw new CxrError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
      const classes = JSON.parse(result.classes) as string[];
      const unknown = Object.keys(input.decisions).filter((cls) => !classes.includes(cls));
      if (unknown.length > 0) {
        throw new CxrError('CXR_ERR_HUB_REVIEW_INVALID', `unknown class(es) for this model: ${unknown.join(', ')}`);
      }
      const previous = await latest(tx, result.id);
      const labels = labelsFor(classes, JSON.parse(result.flags), input.decisions);
      const at = now.toISOString();
      const { id } = await tx.kysely
        .insertInto('reviews')
        .values({
          result_row: result.id,
          reviewer: input.reviewer,
          at,
          report: input.report,
          decisions: JSON.stringify(labels),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rows = labels.map((l) => ({
        review_id: id,
        result_row: result.id,
        class: l.class,
        ai_flag: l.aiFlag ? 1 : 0,
        label: l.label ? 1 : 0,
      }));
      if (rows.length > 0) await tx.kysely.insertInto('review_labels').values(rows).execute();
      await tx.kysely.updateTable('results').set({ status: 'reviewed' }).where('id', '=', result.id).execute();
      const review: StoredReview = { id, reviewer: input.reviewer, at, report: input.report, labels };
      await createAuditStore(tx).append(
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
    submit,
    async latest(resultRow) {
      const row = await latest(db, resultRow);
      return row ? toReview(row) : undefined;
    },
    agreement: () =>
      db.kysely
        .selectFrom('review_labels')
        .select([
          'class',
          countAll().as('reviewed'),
          countWhere(sql`ai_flag = label`).as('agree'),
          countWhere(sql`ai_flag = 1 AND label = 1`).as('truePositive'),
          countWhere(sql`ai_flag = 1 AND label = 0`).as('falsePositive'),
          countWhere(sql`ai_flag = 0 AND label = 1`).as('falseNegative'),
          countWhere(sql`ai_flag = 0 AND label = 0`).as('trueNegative'),
        ])
        .where('review_id', 'in', (eb) =>
          eb
            .selectFrom('reviews')
            .select((e) => e.fn.max('id').as('id'))
            .groupBy('result_row'),
        )
        .groupBy('class')
        .orderBy('class')
        .execute(),
  };
}
