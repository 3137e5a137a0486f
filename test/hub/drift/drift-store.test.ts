/**
 * The drift store's SQL on both engines (SQLite and PostgreSQL), on rows as ingest and signing write them: the
 * week's score histogram per site and model version, the latest read of each film (an addendum wins) compared with
 * the AI's flag, the agents' weekly quarantined counts, and the stored drift state.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createDriftStore } from '../../../hub/drift/drift-store.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

const START = Date.parse('2026-03-02T00:00:00Z');
const END = START + 7 * 86_400_000;

describeOnEachEngine('drift store', (fresh) => {
  it('counts scores per bin, compares the latest read with the AI, keeps refusals and states', async () => {
    const db = await fresh();
    const store = createDriftStore(db);
    const ids: number[] = [];
    for (const [score, flagged, at] of [
      [0.05, false, START + 1],
      [0.95, true, START + 2],
      [1, true, START + 3],
      [0.55, true, END + 1], // next week
    ] as const) {
      const message = await resultMessage({
        scoredAt: new Date(at).toISOString(),
        probabilities: { Atelectasis: 0, Effusion: score, Pneumonia: 0 },
        flags: flagged ? ['Effusion'] : [],
      });
      const row = await db.kysely
        .insertInto('results')
        .values(resultRow(message, {}, new Date(at)))
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
    const scores = await store.scores(START, END);
    assert.deepEqual(scores, [{ site: 'clinic-a', modelVersion: '1.0.0', counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 2] }]);

    const read = async (resultRow: number, version: number, present: boolean) => {
      const r = await db.kysely
        .insertInto('reads')
        .values({
          result_row: resultRow,
          version,
          reader: 'rad',
          signed_at: new Date(START).toISOString(),
          signed_ms: START,
          decisions: '{}',
          impression: '',
          normal: present ? 0 : 1,
          agreed_with_ai: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.kysely
        .insertInto('read_decisions')
        .values({
          read_id: Number(r.id),
          result_row: resultRow,
          class: 'Effusion',
          ai_called: 0,
          present: present ? 1 : 0,
        })
        .execute();
    };
    await read(ids[0] as number, 1, false); // AI quiet, read normal: agree
    await read(ids[1] as number, 1, false); // AI flagged, read normal: disagree …
    await read(ids[1] as number, 2, true); // … until the addendum finds it: agree
    await read(ids[2] as number, 1, false); // AI flagged, read normal: disagree
    assert.deepEqual(Object.fromEntries(await store.reads(START, END)), { 'clinic-a': { total: 3, agreed: 2 } });

    await store.recordQuarantined('clinic-a', 'xr-1', '2026-W10', 3);
    await store.recordQuarantined('clinic-a', 'xr-1', '2026-W10', 7);
    await store.recordQuarantined('clinic-a', 'xr-1', '2026-W11', 9);
    assert.deepEqual(await store.refusals('2026-W10'), [
      { site: 'clinic-a', agent: 'xr-1', week: '2026-W10', firstCount: 3, lastCount: 7 },
    ]);

    const state = {
      site: 'clinic-a',
      drifting: true,
      week: '2026-W10',
      reasons: ['agreement' as const],
      figures: { agreement: 2 / 3, psi: null, refusedRate: 0.04 },
      since: '2026-03-04T00:00:00.000Z',
      updatedAt: '2026-03-04T00:00:00.000Z',
    };
    await store.putState(state);
    await store.putState({ ...state, updatedAt: '2026-03-05T00:00:00.000Z' });
    assert.deepEqual(await store.states(), [{ ...state, updatedAt: '2026-03-05T00:00:00.000Z' }]);
  });
});
