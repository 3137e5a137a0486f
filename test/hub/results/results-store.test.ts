/** Contract of the results and stats stores, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HubDb } from '../../../hub/db/database.ts';
import { createAgentsStore } from '../../../hub/fleet/agents-store.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore, type WorklistCursor } from '../../../hub/results/results-store.ts';
import { createStatsStore } from '../../../hub/results/stats-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

async function seeded(db: HubDb, n: number) {
  const store = createResultsStore(db);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const flags = i % 3 === 0 ? ['Effusion'] : i % 5 === 0 ? ['Effusion', 'Pneumonia'] : [];
    const message = await resultMessage({
      flags,
      site: i % 4 === 0 ? 'clinic-b' : 'clinic-a',
      scoredAt: new Date(Date.UTC(2026, 0, 1 + (i % 3), 0, 0, i % 7)).toISOString(),
    });
    rows.push(resultRow(message, {}, new Date()));
  }
  await store.insertMany(rows);
  return { store, rows };
}

describeOnEachEngine('results store', (fresh) => {
  it('stores a result once: the same resultId again is a duplicate, also within one batch', async () => {
    const { store, rows } = await seeded(await fresh(), 3);
    assert.deepEqual(await store.insertMany([rows[0]!, rows[0]!]), ['duplicate', 'duplicate']);
    const fresh1 = resultRow(await resultMessage(), {}, new Date());
    const fresh2 = resultRow(await resultMessage(), {}, new Date());
    assert.deepEqual(await store.insertMany([fresh1, rows[1]!, fresh1, fresh2]), [
      'stored',
      'duplicate',
      'duplicate',
      'stored',
    ]);
  });

  it('counts stored results per agent, never a duplicate', async () => {
    const db = await fresh();
    const { store, rows } = await seeded(db, 8);
    await store.insertMany(rows.slice(0, 3));
    const counts = Object.fromEntries((await createAgentsStore(db).list()).map((a) => [a.site, a.results]));
    assert.deepEqual(counts, { 'clinic-a': 6, 'clinic-b': 2 });
  });

  it('pages the worklist in triage order with a keyset cursor, every study exactly once', async () => {
    const { store, rows } = await seeded(await fresh(), 40);
    const seen: { priority: number; scoredAt: string; resultId: string }[] = [];
    let cursor: WorklistCursor | undefined;
    do {
      const page = await store.worklist({ limit: 7, status: 'unread', ...(cursor ? { cursor } : {}) });
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

  it('filters by flagged, by flag class, by site and by scored time', async () => {
    const { store } = await seeded(await fresh(), 30);
    const flagged = (await store.worklist({ limit: 100, flagged: true })).items;
    assert.ok(flagged.length > 0 && flagged.every((i) => i.flags.length > 0));
    const unflagged = (await store.worklist({ limit: 100, flagged: false })).items;
    assert.equal(flagged.length + unflagged.length, 30);
    const pneumonia = (await store.worklist({ limit: 100, flag: 'Pneumonia' })).items;
    assert.ok(pneumonia.length > 0 && pneumonia.every((i) => i.flags.includes('Pneumonia')));
    assert.equal((await store.worklist({ limit: 100, site: 'elsewhere' })).items.length, 0);
    assert.equal((await store.worklist({ limit: 100, site: 'clinic-b' })).items.length, 8);
    const day2 = await store.worklist({
      limit: 100,
      fromMs: Date.UTC(2026, 0, 2),
      toMs: Date.UTC(2026, 0, 3),
    });
    assert.equal(day2.items.length, 10);
    assert.ok(day2.items.every((i) => i.scoredAt.startsWith('2026-01-02')));
  });

  it('returns one stored row with its id and status, or undefined', async () => {
    const { store, rows } = await seeded(await fresh(), 2);
    const row = await store.get(rows[1]!.result_id);
    assert.equal(row?.result_id, rows[1]!.result_id);
    assert.equal(row?.status, 'unread');
    assert.equal(typeof row?.id, 'number');
    assert.equal(row?.scored_ms, rows[1]!.scored_ms);
    assert.equal(await store.get('0'.repeat(64)), undefined);
  });

  it('sums volumes per site and per UTC day', async () => {
    const db = await fresh();
    await seeded(db, 12);
    const stats = createStatsStore(db);
    const nowMs = Date.UTC(2026, 0, 3, 12);
    assert.deepEqual(await stats.volumes(nowMs), [
      { site: 'clinic-a', total: 9, flagged: 5, reviewed: 0, last24h: 3 },
      { site: 'clinic-b', total: 3, flagged: 1, reviewed: 0, last24h: 1 },
    ]);
    assert.deepEqual(await stats.daily(nowMs, 2), [
      { site: 'clinic-a', day: '2026-01-02', count: 3 },
      { site: 'clinic-b', day: '2026-01-02', count: 1 },
      { site: 'clinic-a', day: '2026-01-03', count: 3 },
      { site: 'clinic-b', day: '2026-01-03', count: 1 },
    ]);
  });
});
