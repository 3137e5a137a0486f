/**
 * Contract of the training-data store (hub/training/training-data-store.ts) on SQLite and PostgreSQL, on rows as
 * ingest, upload and signing write them: signed studies only, each with the latest version of its read (an addendum
 * wins, and moves the study to its id in the paging), in read id order, by site and after a cursor; the patient key
 * (the image key when the agent sent none), the model's probabilities and the reader's decisions as stored; pixels
 * from the stored diagnostic image, else the preview, else none. (Kept apart from training-stores.test.ts, whose jobs
 * and calibrations fill its 300 lines.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HubDb } from '../../../hub/db/database.ts';
import { createImagesStore } from '../../../hub/images/images-store.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore } from '../../../hub/results/results-store.ts';
import { createTrainingDataStore, type TrainingRead } from '../../../hub/training/training-data-store.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { CLASSES, resultMessage } from '../fixtures.ts';

const T0 = Date.parse('2026-11-20T14:00:00.000Z');
const PROBABILITIES = { Atelectasis: 0.125, Effusion: 0.8125, Pneumonia: 0.0001 };
const PREVIEW = 'e'.repeat(64);
const DIAGNOSTIC = 'd'.repeat(64);

async function study(db: HubDb, o: { site?: string; patient?: string; preview?: boolean; image: string }) {
  const message = await resultMessage({
    site: o.site ?? 'clinic-a',
    keys: { image: o.image, ...(o.patient ? { patient: o.patient } : {}) },
    probabilities: PROBABILITIES,
    flags: ['Effusion'],
  });
  const blobs = o.preview === false ? {} : { preview: { sha256: PREVIEW, mime: 'image/webp' } };
  await createResultsStore(db).insertMany([resultRow(message, blobs, new Date(T0))]);
  const row = await db.kysely
    .selectFrom('results')
    .select('id')
    .where('result_id', '=', message.resultId)
    .executeTakeFirstOrThrow();
  return { resultId: message.resultId, row: Number(row.id), site: message.site, image: o.image };
}

async function sign(db: HubDb, resultRow: number, version: number, decisions: Record<string, string>) {
  const signedMs = T0 + version * 60_000;
  const read = await db.kysely
    .insertInto('reads')
    .values({
      result_row: resultRow,
      version,
      reader: 'rad',
      signed_at: new Date(signedMs).toISOString(),
      signed_ms: signedMs,
      decisions: JSON.stringify(decisions),
      impression: '',
      normal: Object.values(decisions).includes('present') ? 0 : 1,
      agreed_with_ai: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(read.id);
}

describeOnEachEngine('training data store', (fresh) => {
  it('gives the latest read of each signed study in read order, by site and after a cursor', async () => {
    const db = await fresh();
    const a = await study(db, { image: 'a1'.repeat(16), patient: 'bb'.repeat(16) });
    const b = await study(db, { image: 'a2'.repeat(16), preview: false });
    const c = await study(db, { image: 'a3'.repeat(16) }); // never read
    const d = await study(db, { image: 'a4'.repeat(16), site: 'clinic-b', patient: 'cc'.repeat(16) });
    await sign(db, a.row, 1, { Effusion: 'absent' });
    const bRead = await sign(db, b.row, 1, { Effusion: 'absent', Pneumonia: 'absent' });
    const dRead = await sign(db, d.row, 1, { Pneumonia: 'present' });
    const aRead = await sign(db, a.row, 2, { Effusion: 'present' }); // the addendum
    const images = createImagesStore(db);
    await images.announce({ resultId: a.resultId, sha256: DIAGNOSTIC, site: a.site, agent: 'xr-1', image: png() }, T0);
    await images.markStored(DIAGNOSTIC, 10, T0);
    await images.announce(
      { resultId: b.resultId, sha256: '9'.repeat(64), site: b.site, agent: 'xr-1', image: png('9'.repeat(64)) },
      T0,
    );

    const expected = (
      s: typeof a,
      readId: number,
      readVersion: number,
      decisions: TrainingRead['decisions'],
      patientKey: string,
      pixels: TrainingRead['pixels'],
    ): TrainingRead => ({
      readId,
      resultId: s.resultId,
      site: s.site,
      patientKey,
      modelVersion: '1.0.0',
      classes: CLASSES,
      probabilities: PROBABILITIES,
      readVersion,
      signedAt: new Date(T0 + readVersion * 60_000).toISOString(),
      normal: !Object.values(decisions).includes('present'),
      decisions,
      pixels,
    });
    const all = [
      expected(b, bRead, 1, { Effusion: 'absent', Pneumonia: 'absent' }, b.image, null), // upload unfinished
      expected(d, dRead, 1, { Pneumonia: 'present' }, 'cc'.repeat(16), {
        kind: 'preview',
        sha256: PREVIEW,
        mime: 'image/webp',
      }),
      expected(a, aRead, 2, { Effusion: 'present' }, 'bb'.repeat(16), {
        kind: 'diagnostic',
        sha256: DIAGNOSTIC,
        mime: 'image/png',
      }),
    ];
    const store = createTrainingDataStore(db);
    assert.deepEqual(await store.reads({ limit: 10 }), all);
    assert.deepEqual(await store.reads({ limit: 2 }), all.slice(0, 2));
    assert.deepEqual(await store.reads({ limit: 2, after: dRead }), all.slice(2));
    assert.deepEqual(await store.reads({ limit: 10, after: aRead }), []);
    assert.deepEqual(await store.reads({ limit: 10, site: 'clinic-a' }), [all[0], all[2]]);
    assert.deepEqual(await store.reads({ limit: 10, site: 'clinic-a', after: bRead }), [all[2]]);
    assert.deepEqual(await store.reads({ limit: 10, site: 'clinic-z' }), []);

    assert.deepEqual(await store.pixelsOf(a.resultId), all[2]?.pixels);
    assert.deepEqual(await store.pixelsOf(d.resultId), all[1]?.pixels);
    assert.equal(await store.pixelsOf(b.resultId), null, 'signed, no pixels on the hub');
    assert.equal(await store.pixelsOf(c.resultId), undefined, 'not signed: not training data');
    assert.equal(await store.pixelsOf('0'.repeat(64)), undefined);
  });
});

function png(sha256 = DIAGNOSTIC) {
  return {
    sha256,
    sizeBytes: 10,
    mime: 'image/png' as const,
    width: 4,
    height: 4,
    bitsStored: 8,
    slope: 1,
    intercept: 0,
    window: { center: 128, width: 256 },
    invert: false,
  };
}
