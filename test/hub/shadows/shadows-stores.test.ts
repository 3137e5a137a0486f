/**
 * Contract of the live shadow stores on SQLite and PostgreSQL. shadows-store.ts: a shadow round-trips exactly (sites
 * list, nulls, ISO times), the list is newest first, the running ones oldest first, one running shadow per site,
 * and `end` changes a running shadow once — also when two replicas end it at the same moment. result-shadows-store.ts:
 * a result's candidate output is stored once, and the agreement's input counts the candidate's films per site and
 * gives the read ones with the latest version of the read (an addendum wins).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HubDb } from '../../../hub/db/database.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore } from '../../../hub/results/results-store.ts';
import { insertResultShadows, shadowFilms } from '../../../hub/shadows/result-shadows-store.ts';
import { createShadowsStore, type Shadow } from '../../../hub/shadows/shadows-store.ts';
import type { ShadowOutput } from '../../../protocol/messages.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

const shadow = (id: string, createdAt: string, sites: string[], extra: Partial<Shadow> = {}): Shadow => ({
  id,
  version: '2.0.0-rc.1',
  sites,
  status: 'running',
  minReads: 150,
  createdBy: 'boss',
  createdAt,
  endedBy: null,
  endedAt: null,
  endReason: null,
  rolloutId: null,
  updatedAt: createdAt,
  ...extra,
});

describeOnEachEngine('shadows store', (fresh) => {
  it('keeps shadows as inserted; lists the newest first and the running ones oldest first', async () => {
    const store = createShadowsStore(await fresh());
    const old = shadow('s-1', '2026-09-01T00:00:00.000Z', ['clinic-a', 'clinic-b']);
    const stopped = shadow('s-2', '2026-09-02T00:00:00.000Z', ['clinic-c'], {
      status: 'stopped',
      endedBy: 'hub',
      endedAt: '2026-09-03T00:00:00.000Z',
      endReason: 'candidate agrees less',
      updatedAt: '2026-09-03T00:00:00.000Z',
    });
    const recent = shadow('s-3', '2026-09-04T12:30:00.123Z', ['clinic-d']);
    for (const s of [old, stopped, recent]) await store.insert(s);
    await assert.rejects(store.insert(old), 'an id is used once');
    assert.deepEqual(await store.get('s-2'), stopped);
    assert.equal(await store.get('s-9'), undefined);
    assert.deepEqual(await store.list(10), [recent, stopped, old]);
    assert.deepEqual(await store.list(1), [recent]);
    assert.deepEqual(await store.running(), [old, recent]);
    assert.deepEqual(await store.runningAt('clinic-b'), old);
    assert.deepEqual(await store.runningAt('clinic-d'), recent);
    assert.equal(await store.runningAt('clinic-c'), undefined, 'its shadow has stopped');
    assert.equal(await store.runningAt('clinic'), undefined, 'a site matches whole');
  });

  it('orders shadows started in the same millisecond by id on both engines', async () => {
    const store = createShadowsStore(await fresh());
    const at = '2026-09-01T00:00:00.000Z';
    for (const id of ['s-z', 's-a', 's-m', 's-b', 's-y']) await store.insert(shadow(id, at, [id]));
    await store.end('s-a', { status: 'stopped', by: 'boss', at, reason: null }); // an update moves a PostgreSQL row
    const ids = (shadows: Shadow[]) => shadows.map((s) => s.id);
    assert.deepEqual(ids(await store.list(10)), ['s-z', 's-y', 's-m', 's-b', 's-a']);
    assert.deepEqual(ids(await store.running()), ['s-b', 's-m', 's-y', 's-z']);
  });

  it('ends a running shadow once, stopped or promoted', async () => {
    const store = createShadowsStore(await fresh());
    await store.insert(shadow('s-1', '2026-09-01T00:00:00.000Z', ['clinic-a']));
    await store.insert(shadow('s-2', '2026-09-02T00:00:00.000Z', ['clinic-b']));
    const at = '2026-09-05T10:00:00.000Z';
    assert.equal(await store.end('s-1', { status: 'stopped', by: 'boss', at, reason: 'enough' }), true);
    assert.equal(await store.end('s-1', { status: 'promoted', by: 'hub', at: 'later', reason: null }), false);
    assert.equal(await store.end('s-9', { status: 'stopped', by: 'boss', at, reason: null }), false);
    assert.equal(await store.end('s-2', { status: 'promoted', by: 'boss', at, reason: null, rolloutId: 'r-7' }), true);
    assert.deepEqual(await store.list(10), [
      shadow('s-2', '2026-09-02T00:00:00.000Z', ['clinic-b'], {
        status: 'promoted',
        endedBy: 'boss',
        endedAt: at,
        rolloutId: 'r-7',
        updatedAt: at,
      }),
      shadow('s-1', '2026-09-01T00:00:00.000Z', ['clinic-a'], {
        status: 'stopped',
        endedBy: 'boss',
        endedAt: at,
        endReason: 'enough',
        updatedAt: at,
      }),
    ]);
    assert.deepEqual(await store.running(), []);
  });

  it('lets only one of two replicas ending the same shadow at once win', async () => {
    const db = await fresh();
    await createShadowsStore(db).insert(shadow('s-1', '2026-09-01T00:00:00.000Z', ['clinic-a']));
    const endIn = (by: string) =>
      db.transaction(async (tx) => {
        const ended = await createShadowsStore(tx).end('s-1', { status: 'stopped', by, at: 't', reason: null });
        await new Promise((resolve) => setTimeout(resolve, 50)); // both transactions overlap
        return ended;
      });
    const outcomes = await Promise.all([endIn('replica-1'), endIn('replica-2')]);
    assert.deepEqual(outcomes.map(Number).sort(), [0, 1]);
    const winner = outcomes[0] ? 'replica-1' : 'replica-2';
    assert.equal((await createShadowsStore(db).get('s-1'))?.endedBy, winner);
  });
});

const output = (version: string, flags: string[]): ShadowOutput => ({
  version,
  probabilities: { Atelectasis: 0.01, Effusion: flags.includes('Effusion') ? 0.7 : 0.3, Pneumonia: 0.123456789 },
  flags,
  tier: flags.length > 0 ? 'abnormal' : 'likely-normal',
  score: flags.length > 0 ? 0.7 : 0.3,
});

async function stored(db: HubDb, site: string, flags: string[]) {
  const message = await resultMessage({
    site,
    flags,
    probabilities: { Atelectasis: 0.05, Effusion: flags.includes('Effusion') ? 0.8 : 0.2, Pneumonia: 0.1 },
  });
  await createResultsStore(db).insertMany([resultRow(message, {}, new Date())]);
  const row = await db.kysely.selectFrom('results').select('id').where('result_id', '=', message.resultId).execute();
  return Number(row[0]?.id);
}

async function sign(db: HubDb, resultRow: number, version: number, decisions: Record<string, string>) {
  await db.kysely
    .insertInto('reads')
    .values({
      result_row: resultRow,
      version,
      reader: 'rad',
      signed_at: '2026-09-05T00:00:00.000Z',
      signed_ms: Date.parse('2026-09-05T00:00:00.000Z'),
      decisions: JSON.stringify(decisions),
      impression: '',
      normal: 0,
      agreed_with_ai: 0,
    })
    .execute();
}

describeOnEachEngine('result shadows store', (fresh) => {
  it('stores a result’s candidate output once, exactly', async () => {
    const db = await fresh();
    const row = await stored(db, 'clinic-a', []);
    await insertResultShadows(db, []);
    await insertResultShadows(db, [{ resultRow: row, shadow: output('2.0.0', ['Effusion']) }]);
    await insertResultShadows(db, [{ resultRow: row, shadow: output('3.0.0', []) }]);
    const rows = await db.kysely.selectFrom('result_shadows').selectAll().execute();
    assert.deepEqual(
      rows.map((r) => ({ ...r, result_row: Number(r.result_row) })),
      [
        {
          result_row: row,
          version: '2.0.0',
          flags: '["Effusion"]',
          probabilities: JSON.stringify(output('2.0.0', ['Effusion']).probabilities),
          tier: 'abnormal',
          score: 0.7,
        },
      ],
    );
  });

  it('counts the candidate’s films per site and gives the read ones with their latest read', async () => {
    const db = await fresh();
    const a1 = await stored(db, 'clinic-a', ['Effusion']);
    const a2 = await stored(db, 'clinic-a', []);
    const a3 = await stored(db, 'clinic-a', []);
    const b1 = await stored(db, 'clinic-b', []);
    const c1 = await stored(db, 'clinic-c', ['Effusion']); // a site the shadow does not cover
    const a4 = await stored(db, 'clinic-a', []); // scored by another candidate
    await insertResultShadows(db, [
      { resultRow: a1, shadow: output('2.0.0', []) },
      { resultRow: a2, shadow: output('2.0.0', ['Effusion']) },
      { resultRow: a3, shadow: output('2.0.0', []) },
      { resultRow: b1, shadow: output('2.0.0', ['Pneumonia']) },
      { resultRow: c1, shadow: output('2.0.0', []) },
      { resultRow: a4, shadow: output('9.0.0', []) },
    ]);
    await sign(db, a1, 1, { Effusion: 'absent' });
    await sign(db, a1, 2, { Effusion: 'present', Pneumonia: 'absent' }); // the addendum wins
    await sign(db, b1, 1, { Pneumonia: 'present' });
    await sign(db, c1, 1, { Effusion: 'present' });
    await sign(db, a4, 1, { Effusion: 'absent' });

    const films = await shadowFilms(db, '2.0.0', ['clinic-a', 'clinic-b']);
    assert.deepEqual([...films.scored].sort(), [
      ['clinic-a', 3],
      ['clinic-b', 1],
    ]);
    assert.deepEqual(
      [...films.read].sort((x, y) => x.site.localeCompare(y.site)),
      [
        {
          site: 'clinic-a',
          productionVersion: '1.0.0',
          production: ['Effusion'],
          candidate: [],
          decisions: { Effusion: 'present', Pneumonia: 'absent' },
        },
        {
          site: 'clinic-b',
          productionVersion: '1.0.0',
          production: [],
          candidate: ['Pneumonia'],
          decisions: { Pneumonia: 'present' },
        },
      ],
    );
    assert.deepEqual(await shadowFilms(db, '2.0.0', []), { scored: new Map(), read: [] });
    assert.deepEqual(await shadowFilms(db, '7.7.7', ['clinic-a']), { scored: new Map(), read: [] });
  });
});
