import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { openHubDb } from '../../../hub/store/db.ts';
import { resultRow } from '../../../hub/store/result-row.ts';
import { createResultsStore, type WorklistCursor } from '../../../hub/store/results-store.ts';
import { resultMessage, tempDir } from '../fixtures.ts';

async function seeded(n: number) {
  const store = createResultsStore(openHubDb(join(tempDir(), 'hub.db')));
  const rows = [];
  for (let i = 0; i < n; i++) {
    const flags = i % 3 === 0 ? ['Effusion'] : i % 5 === 0 ? ['Effusion', 'Pneumonia'] : [];
    const message = await resultMessage({ flags, scoredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 7)).toISOString() });
    rows.push(resultRow(message, {}, new Date()));
  }
  store.insertMany(rows);
  return { store, rows };
}

it('stores a result once: the same resultId again is a duplicate, also within one batch', async () => {
  const { store, rows } = await seeded(3);
  assert.deepEqual(store.insertMany([rows[0]!, rows[0]!]), ['duplicate', 'duplicate']);
  const fresh = resultRow(await resultMessage(), {}, new Date());
  assert.deepEqual(store.insertMany([fresh, fresh]), ['stored', 'duplicate']);
});

it('pages the worklist in triage order with a keyset cursor, every study exactly once', async () => {
  const { store, rows } = await seeded(40);
  const seen: { priority: number; scoredAt: string; resultId: string }[] = [];
  let cursor: WorklistCursor | undefined;
  do {
    const page = store.worklist({ limit: 7, status: 'unread', ...(cursor ? { cursor } : {}) });
    seen.push(...page.items);
    cursor = page.next;
  } while (cursor);
  assert.equal(seen.length, rows.length);
  assert.equal(new Set(seen.map((s) => s.resultId)).size, rows.length);
  for (let i = 1; i < seen.length; i++) {
    const [a, b] = [seen[i - 1]!, seen[i]!];
    assert.ok(a.priority > b.priority || (a.priority === b.priority && a.scoredAt <= b.scoredAt), `order at ${i}`);
  }
});

it('filters by flagged, by flag class and by site', async () => {
  const { store } = await seeded(30);
  const flagged = store.worklist({ limit: 100, flagged: true }).items;
  assert.ok(flagged.length > 0 && flagged.every((i) => i.flags.length > 0));
  const pneumonia = store.worklist({ limit: 100, flag: 'Pneumonia' }).items;
  assert.ok(pneumonia.length > 0 && pneumonia.every((i) => i.flags.includes('Pneumonia')));
  assert.equal(store.worklist({ limit: 100, site: 'elsewhere' }).items.length, 0);
});
