/** Contract of the results and stats stores, on SQLite and PostgreSQL: triage order, filters, keysets, claims. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type HubDb, openHubDatabase } from '../../../hub/db/database.ts';
import { createAgentsStore } from '../../../hub/fleet/agents-store.ts';
import { resultRow, type StudySummary } from '../../../hub/results/result-row.ts';
import { createResultsStore, type WorklistQuery } from '../../../hub/results/results-store.ts';
import { createStatsStore } from '../../../hub/results/stats-store.ts';
import { cursorOf, type WorklistCursor, type WorklistSort } from '../../../hub/results/worklist-order.ts';
import { TIER_ORDER } from '../../../models/triage/triage-policy.ts';
import { describeOnEachEngine, freshDatabaseUrl } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

const NOW = Date.UTC(2026, 0, 3, 12);

/** n results over three days: every tier, scores spread, some acquired, two sites. */
async function seeded(db: HubDb, n: number) {
  const store = createResultsStore(db);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const effusion = ((i * 37) % 100) / 100; // spread scores, repeats included
    const flags = effusion >= 0.5 ? ['Effusion'] : i % 5 === 0 ? ['Pneumonia'] : [];
    const message = await resultMessage({
      flags,
      probabilities: { Atelectasis: 0.05, Effusion: effusion, Pneumonia: i % 5 === 0 ? 0.55 : 0.1 },
      site: i % 4 === 0 ? 'clinic-b' : 'clinic-a',
      receivedAt: new Date(Date.UTC(2026, 0, 1 + (i % 3), 0, 0, i % 7)).toISOString(),
      scoredAt: new Date(Date.UTC(2026, 0, 1 + (i % 3), 0, 0, i % 7)).toISOString(),
      ...(i % 6 === 0 ? { acquiredAt: new Date(Date.UTC(2025, 11, 31, 23, 0, i)).toISOString() } : {}),
    });
    rows.push(resultRow(message, {}, new Date()));
  }
  await store.insertMany(rows);
  return { store, rows };
}

async function everyPage(store: ReturnType<typeof createResultsStore>, query: Omit<WorklistQuery, 'limit' | 'nowMs'>) {
  const seen: StudySummary[] = [];
  let cursor: WorklistCursor | undefined;
  do {
    const page = await store.worklist({ ...query, limit: 7, nowMs: NOW, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return seen;
}

function keyOf(sort: WorklistSort, s: StudySummary): number[] {
  const arrived = Date.parse(s.arrivedAt);
  const scoreKey = 1_000_000 - Math.round(s.score * 1_000_000);
  return sort === 'triage'
    ? [TIER_ORDER[s.tier], scoreKey, arrived]
    : sort === 'score'
      ? [scoreKey, arrived]
      : sort === 'oldest'
        ? [arrived]
        : [-arrived];
}

const lexLe = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return true;
};

describeOnEachEngine('results store', (fresh, engine) => {
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

  if (engine === 'postgres') {
    it('lets two replicas commit batches of the same agents at once (no deadlock), a result both got stored once', async () => {
      // Two hub replicas on one database, each with a batch from every agent, the agents in opposite orders.
      const url = await freshDatabaseUrl('postgres');
      const [a, b] = [await openHubDatabase(url), await openHubDatabase(url)];
      try {
        const stores = [createResultsStore(a), createResultsStore(b)];
        const agents = Array.from({ length: 8 }, (_, i) => `xr-${i}`);
        const batch = () =>
          Promise.all(agents.map(async (agent) => resultRow(await resultMessage({ agent }), {}, new Date())));
        for (let round = 0; round < 10; round++) {
          const [first, second] = [await batch(), (await batch()).reverse()];
          const outcomes = await Promise.all([stores[0]!.insertMany(first), stores[1]!.insertMany(second)]);
          assert.ok(outcomes.flat().every((o) => o === 'stored'));
        }
        const shared = await batch();
        const both = await Promise.all([stores[0]!.insertMany(shared), stores[1]!.insertMany([...shared].reverse())]);
        assert.equal(both.flat().filter((o) => o === 'stored').length, shared.length, 'each shared result stored once');
        const counts = (await createAgentsStore(a).list()).map((x) => x.results);
        assert.deepEqual(
          counts,
          agents.map(() => 21),
        );
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }

  for (const sort of ['triage', 'score', 'oldest', 'newest'] as const) {
    it(`pages the worklist by ${sort} with a keyset cursor, every study exactly once, in order`, async () => {
      const { store, rows } = await seeded(await fresh(), 40);
      const seen = await everyPage(store, { sort, status: 'unread' });
      assert.equal(seen.length, rows.length);
      assert.equal(new Set(seen.map((s) => s.resultId)).size, rows.length);
      for (let i = 1; i < seen.length; i++) {
        assert.ok(lexLe(keyOf(sort, seen[i - 1]!), keyOf(sort, seen[i]!)), `${sort} order at ${i}`);
      }
    });
  }

  it('puts urgent and abnormal first, highest score first, and the longest waiting first among equals', async () => {
    const { store } = await seeded(await fresh(), 40);
    const items = (await store.worklist({ limit: 100, nowMs: NOW })).items;
    const tiers = items.map((i) => TIER_ORDER[i.tier]);
    assert.deepEqual(
      tiers,
      [...tiers].sort((a, b) => a - b),
    );
    assert.equal(items[0]?.tier, 'urgent');
    assert.ok(items[0]!.score >= 0.9);
    assert.ok(items.every((i) => !i.findings.includes('Normal')));
    const acquired = items.find((i) => i.acquired);
    assert.ok(acquired?.arrivedAt.startsWith('2025-12-31T23:00'), 'waiting runs from acquisition when known');
  });

  it('filters by tier, finding, site, arrival window and status', async () => {
    const { store } = await seeded(await fresh(), 30);
    const all = (await store.worklist({ limit: 100, nowMs: NOW })).items;
    const flagged = (await store.worklist({ limit: 100, nowMs: NOW, tiers: ['urgent', 'abnormal'] })).items;
    assert.ok(flagged.length > 0 && flagged.every((i) => i.findings.length > 0));
    const calm = (await store.worklist({ limit: 100, nowMs: NOW, tiers: ['likely-normal'] })).items;
    assert.equal(flagged.length + calm.length, all.length);
    const pneumonia = (await store.worklist({ limit: 100, nowMs: NOW, finding: 'Pneumonia' })).items;
    assert.ok(pneumonia.length > 0 && pneumonia.every((i) => i.findings.includes('Pneumonia')));
    assert.equal((await store.worklist({ limit: 100, nowMs: NOW, site: 'elsewhere' })).items.length, 0);
    assert.equal((await store.worklist({ limit: 100, nowMs: NOW, site: 'clinic-b' })).items.length, 8);
    const day2 = await store.worklist({
      limit: 100,
      nowMs: NOW,
      fromMs: Date.UTC(2026, 0, 2),
      toMs: Date.UTC(2026, 0, 3),
    });
    assert.equal(day2.items.length, 10);
    assert.ok(day2.items.every((i) => i.arrivedAt.startsWith('2026-01-02')));
    assert.equal((await store.worklist({ limit: 100, nowMs: NOW, status: 'reviewed' })).items.length, 0);
  });

  it('shows live claims and filters by them', async () => {
    const db = await fresh();
    const { store, rows } = await seeded(db, 4);
    const ids = await db.kysely.selectFrom('results').select(['id', 'result_id']).orderBy('id').execute();
    await db.kysely
      .insertInto('claims')
      .values([
        { result_row: ids[0]!.id, holder: 'rad', claimed_at: new Date(NOW).toISOString(), expires_ms: NOW + 60_000 },
        { result_row: ids[1]!.id, holder: 'other', claimed_at: new Date(NOW).toISOString(), expires_ms: NOW + 60_000 },
        { result_row: ids[2]!.id, holder: 'other', claimed_at: new Date(NOW).toISOString(), expires_ms: NOW - 1 },
      ])
      .execute();
    const q = (kind: 'unclaimed' | 'mine' | 'others') =>
      store
        .worklist({ limit: 100, nowMs: NOW, claimed: { kind, user: 'rad' } })
        .then((p) => p.items.map((i) => i.resultId).sort());
    assert.deepEqual(await q('mine'), [ids[0]!.result_id]);
    assert.deepEqual(await q('others'), [ids[1]!.result_id]);
    assert.deepEqual(await q('unclaimed'), [ids[2]!.result_id, ids[3]!.result_id].sort(), 'a lapsed claim is no claim');
    const found = await store.get(rows[0]!.result_id, NOW);
    assert.equal(found?.claim?.holder, ids[0]!.result_id === rows[0]!.result_id ? 'rad' : found?.claim?.holder);
    assert.equal((await store.get(ids[2]!.result_id, NOW))?.claim, null);
    assert.equal(await store.get('0'.repeat(64), NOW), undefined);
  });

  it('refuses a cursor of another order', async () => {
    const { decodeCursor, encodeCursor } = await import('../../../hub/results/worklist-order.ts');
    const text = encodeCursor(cursorOf('oldest', { tier_rank: 0, score_key: 0, arrived_ms: 5, id: 3 }));
    assert.deepEqual(decodeCursor(text, 'oldest').values, [5, 3]);
    assert.throws(() => decodeCursor(text, 'triage'), { code: 'CXR_ERR_HUB_BAD_REQUEST' });
    assert.throws(() => decodeCursor('not-base64-json', 'triage'), { code: 'CXR_ERR_HUB_BAD_REQUEST' });
  });

  it('sums volumes, tiers and turnaround per site, and volumes per UTC day', async () => {
    const db = await fresh();
    await seeded(db, 12);
    const stats = createStatsStore(db);
    const volumes = await stats.volumes(NOW);
    assert.deepEqual(
      volumes.map((v) => [v.site, v.total, v.flagged, v.reviewed, v.last24h]),
      [
        ['clinic-a', 9, 4, 0, 3],
        ['clinic-b', 3, 2, 0, 1],
      ],
    );
    for (const v of volumes)
      assert.equal(
        Object.values(v.tiers).reduce((a, b) => a + b, 0),
        v.total,
      );
    assert.deepEqual(await stats.daily(NOW, 2), [
      { site: 'clinic-a', day: '2026-01-02', count: 3 },
      { site: 'clinic-b', day: '2026-01-02', count: 1 },
      { site: 'clinic-a', day: '2026-01-03', count: 3 },
      { site: 'clinic-b', day: '2026-01-03', count: 1 },
    ]);
    const ids = await db.kysely
      .selectFrom('results')
      .select(['id', 'arrived_ms'])
      .where('site', '=', 'clinic-a')
      .execute();
    for (const [k, r] of ids.slice(0, 3).entries()) {
      await db.kysely
        .updateTable('results')
        .set({ signed_ms: r.arrived_ms + (k + 1) * 600_000 })
        .where('id', '=', r.id)
        .execute();
    }
    const turnaround = await stats.turnaround(Date.UTC(2026, 0, 4), 14);
    assert.deepEqual(turnaround, [{ site: 'clinic-a', reads: 3, medianS: 1200, p90S: 1800 }]);
  });
});
