/**
 * Contract of the priors store (hub/images/priors-store.ts) on SQLite and PostgreSQL, on rows as ingest, upload and
 * signing write them: a study's earlier studies are those of the same pseudonymous patient key at the same site that
 * arrived no later (acquisition time when the image says, else receipt), newest first (the later-stored row first on
 * a tie), within the limit, each with its triage, findings, image description, whether a preview and a stored
 * diagnostic image exist, and the latest version of its signed read. No key: no priors; no study: undefined.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HubDb } from '../../../hub/db/database.ts';
import { createImagesStore } from '../../../hub/images/images-store.ts';
import { createPriorsStore, type PriorRow } from '../../../hub/images/priors-store.ts';
import { resultRow } from '../../../hub/results/result-row.ts';
import { createResultsStore } from '../../../hub/results/results-store.ts';
import type { DiagnosticImage } from '../../../protocol/pixel-messages.ts';
import { describeOnEachEngine } from '../db/engines.ts';
import { resultMessage } from '../fixtures.ts';

const T0 = Date.parse('2026-10-01T09:00:00.000Z');
const PATIENT = 'ab'.repeat(16);
const iso = (ms: number) => new Date(ms).toISOString();
const png = (sha256: string): DiagnosticImage => ({
  sha256,
  sizeBytes: 10,
  mime: 'image/png',
  width: 4,
  height: 4,
  bitsStored: 8,
  slope: 1,
  intercept: 0,
  window: { center: 128, width: 256 },
  invert: false,
});

interface StudyOptions {
  site?: string;
  patient?: string | null;
  arrivedMs: number;
  acquired?: boolean;
  preview?: boolean;
  flags?: string[];
}

/** One stored result; `arrivedMs` is its acquisition time (received later) or its receipt. */
async function study(db: HubDb, o: StudyOptions) {
  // A score with more digits than single precision keeps: both engines must give it back exactly (migration 11).
  const effusion = o.flags?.includes('Effusion') ? 0.812345678901 : 0.2;
  const message = await resultMessage({
    site: o.site ?? 'clinic-a',
    keys: { image: 'cd'.repeat(16), ...(o.patient === null ? {} : { patient: o.patient ?? PATIENT }) },
    receivedAt: iso(o.acquired ? o.arrivedMs + 3_600_000 : o.arrivedMs),
    scoredAt: iso(o.arrivedMs + 3_601_000),
    ...(o.acquired ? { acquiredAt: iso(o.arrivedMs) } : {}),
    probabilities: { Atelectasis: 0.05, Effusion: effusion, Pneumonia: 0.1 },
    flags: o.flags ?? [],
  });
  const preview = o.preview === false ? {} : { preview: { sha256: 'e'.repeat(64), mime: 'image/jpeg' } };
  await createResultsStore(db).insertMany([resultRow(message, preview, new Date(T0))]);
  const row = await db.kysely
    .selectFrom('results')
    .select('id')
    .where('result_id', '=', message.resultId)
    .executeTakeFirstOrThrow();
  return { resultId: message.resultId, row: Number(row.id), image: message.image as Record<string, unknown> };
}

async function sign(db: HubDb, resultRow: number, version: number, signedMs: number, normal: boolean) {
  await db.kysely
    .insertInto('reads')
    .values({
      result_row: resultRow,
      version,
      reader: `rad-${version}`,
      signed_at: iso(signedMs),
      signed_ms: signedMs,
      decisions: '{}',
      impression: `Impression v${version} — côté droit`,
      normal: normal ? 1 : 0,
      agreed_with_ai: 0,
    })
    .execute();
}

describeOnEachEngine('priors store', (fresh) => {
  it('finds the same patient’s earlier studies at the same site, newest first, with their latest read', async () => {
    const db = await fresh();
    const oldest = await study(db, { arrivedMs: T0, flags: ['Effusion'] });
    const acquired = await study(db, { arrivedMs: T0 + 60_000, acquired: true, preview: false });
    const tie = await study(db, { arrivedMs: T0 + 60_000 });
    const current = await study(db, { arrivedMs: T0 + 120_000 });
    const sameTime = await study(db, { arrivedMs: T0 + 120_000 });
    const later = await study(db, { arrivedMs: T0 + 180_000 });
    await study(db, { arrivedMs: T0, site: 'clinic-b' }); // the same key at another site: another patient
    await study(db, { arrivedMs: T0, patient: 'cd'.repeat(16) });
    await sign(db, oldest.row, 1, T0 + 5000, false);
    await sign(db, oldest.row, 2, T0 + 9000, true); // the addendum wins
    await sign(db, tie.row, 1, T0 + 7000, true);
    const images = createImagesStore(db);
    const announce = (resultId: string, sha256: string) =>
      images.announce({ resultId, sha256, site: 'clinic-a', agent: 'xr-1', image: png(sha256) }, T0);
    await announce(acquired.resultId, 'f'.repeat(64));
    await images.markStored('f'.repeat(64), 10, T0);
    await announce(tie.resultId, '9'.repeat(64)); // announced, upload not finished

    const expected = (s: typeof oldest, arrivedMs: number, extra: Partial<PriorRow> = {}): PriorRow => ({
      resultId: s.resultId,
      arrivedMs,
      tier: 'likely-normal',
      score: 0.2,
      flags: [],
      modelVersion: '1.0.0',
      image: s.image,
      hasPreview: true,
      hasDiagnostic: false,
      read: null,
      ...extra,
    });
    const priors = [
      expected(sameTime, T0 + 120_000),
      expected(tie, T0 + 60_000, {
        read: {
          version: 1,
          reader: 'rad-1',
          signedMs: T0 + 7000,
          impression: 'Impression v1 — côté droit',
          normal: true,
        },
      }),
      expected(acquired, T0 + 60_000, { hasPreview: false, hasDiagnostic: true }),
      expected(oldest, T0, {
        tier: 'abnormal',
        score: 0.812345678901,
        flags: ['Effusion'],
        read: {
          version: 2,
          reader: 'rad-2',
          signedMs: T0 + 9000,
          impression: 'Impression v2 — côté droit',
          normal: true,
        },
      }),
    ];
    const store = createPriorsStore(db);
    assert.deepEqual(await store.priorsOf(current.resultId, 10), {
      arrivedMs: T0 + 120_000,
      priors: priors,
    });
    assert.deepEqual(await store.priorsOf(current.resultId, 2), {
      arrivedMs: T0 + 120_000,
      priors: priors.slice(0, 2),
    });
    assert.deepEqual(
      (await store.priorsOf(later.resultId, 10))?.priors.map((p) => p.resultId),
      [sameTime, current, tie, acquired, oldest].map((s) => s.resultId),
    );
    assert.deepEqual(await store.priorsOf(oldest.resultId, 10), { arrivedMs: T0, priors: [] });
  });

  it('has no priors for a study without a patient key, and nothing for an unknown study', async () => {
    const db = await fresh();
    await study(db, { arrivedMs: T0, patient: null });
    const keyless = await study(db, { arrivedMs: T0 + 1000, patient: null });
    const store = createPriorsStore(db);
    assert.deepEqual(await store.priorsOf(keyless.resultId, 10), { arrivedMs: T0 + 1000, priors: [] });
    assert.equal(await store.priorsOf('0'.repeat(64), 10), undefined);
  });
});
