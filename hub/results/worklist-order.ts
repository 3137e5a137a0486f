/**
 * The worklist's orders as keysets (pure; docs/hub.md#triage). Each order is a list of columns, all ascending
 * except `newest`; a page's cursor is the last row's values of those columns, so the next page seeks the
 * matching index (migrations/0005) and the millionth page costs what the first does. The cursor travels as
 * opaque base64url JSON that names its order; a cursor of another order or shape is CXR_ERR_HUB_BAD_REQUEST.
 */
import { CxrError } from '../../models/errors.ts';

export const WORKLIST_SORTS = ['triage', 'score', 'oldest', 'newest'] as const;
export type WorklistSort = (typeof WORKLIST_SORTS)[number];

export type KeysetColumn = 'tier_rank' | 'score_key' | 'arrived_ms' | 'id';

export const KEYSETS: Readonly<Record<WorklistSort, { columns: readonly KeysetColumn[]; descending: boolean }>> = {
  // tier, then highest score, then longest waiting, then id
  triage: { columns: ['tier_rank', 'score_key', 'arrived_ms', 'id'], descending: false },
  score: { columns: ['score_key', 'arrived_ms', 'id'], descending: false },
  oldest: { columns: ['arrived_ms', 'id'], descending: false },
  newest: { columns: ['arrived_ms', 'id'], descending: true },
};

export interface WorklistCursor {
  sort: WorklistSort;
  values: number[];
}

export function cursorOf(sort: WorklistSort, row: Record<KeysetColumn, number>): WorklistCursor {
  return { sort, values: KEYSETS[sort].columns.map((c) => row[c]) };
}

export function encodeCursor(cursor: WorklistCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, ...cursor.values])).toString('base64url');
}

export function decodeCursor(text: string, sort: WorklistSort): WorklistCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value[0] === sort) {
      const values = value.slice(1);
      if (values.length === KEYSETS[sort].columns.length && values.every(Number.isSafeInteger)) {
        return { sort, values: values as number[] };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'bad cursor for this order');
}
