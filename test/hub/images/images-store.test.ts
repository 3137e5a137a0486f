/**
 * Contract of the diagnostic images store (hub/images/images-store.ts) on SQLite and PostgreSQL: a result's link to
 * the image its agent announced (replaced on a new announce, its JSON description intact), who announced a sha256,
 * stored images kept once, storage use (an image two results share counts once per site; sizes past 2^32), the
 * retention order (oldest first, sha256 on ties) and `forget`, which drops the image and every link in one
 * transaction.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createImagesStore } from '../../../hub/images/images-store.ts';
import type { DiagnosticImage } from '../../../protocol/pixel-messages.ts';
import { describeOnEachEngine } from '../db/engines.ts';

const T0 = Date.parse('2026-11-30T08:00:00.000Z');
const sha = (c: string) => c.repeat(64);
const rid = (c: string) => `r${c}`.padEnd(64, '0');

const image = (sha256: string, extra: Partial<DiagnosticImage> = {}): DiagnosticImage => ({
  sha256,
  sizeBytes: 5_000_000_123,
  mime: 'image/png',
  width: 2048,
  height: 2500,
  bitsStored: 12,
  slope: 1.5,
  intercept: -1024,
  window: { center: 40.25, width: 400 },
  invert: true,
  pixelSpacingMm: [0.139, 0.1395],
  spacingSource: 'ImagerPixelSpacing',
  ...extra,
});

const A = { site: 'clinic-a', agent: 'xr-1' };

describeOnEachEngine('images store', (fresh) => {
  it('links a result to its announced image, replaces it on a new announce, and says when it is stored', async () => {
    const store = createImagesStore(await fresh());
    assert.equal(await store.link(rid('1')), undefined);
    await store.announce({ resultId: rid('1'), sha256: sha('a'), ...A, image: image(sha('a')) }, T0);
    assert.deepEqual(await store.link(rid('1')), {
      resultId: rid('1'),
      sha256: sha('a'),
      ...A,
      image: image(sha('a')),
      stored: false,
    });
    const { pixelSpacingMm, spacingSource, ...other } = image(sha('b'), { bitsStored: 8, invert: false });
    assert.ok(pixelSpacingMm && spacingSource, 'the second image has no spacing: optional keys stay absent');
    await store.announce({ resultId: rid('1'), sha256: sha('b'), site: 'clinic-a', agent: 'xr-2', image: other }, T0);
    assert.deepEqual(await store.link(rid('1')), {
      resultId: rid('1'),
      sha256: sha('b'),
      site: 'clinic-a',
      agent: 'xr-2',
      image: other,
      stored: false,
    });
    await store.markStored(sha('b'), 77, T0 + 5);
    assert.equal((await store.link(rid('1')))?.stored, true);
    assert.equal(await store.announcedBy(sha('a'), A.site, A.agent), undefined, 'the replaced link is gone');
  });

  it('answers who announced a sha256: only its own site and agent', async () => {
    const store = createImagesStore(await fresh());
    await store.announce({ resultId: rid('1'), sha256: sha('a'), ...A, image: image(sha('a')) }, T0);
    assert.deepEqual(await store.announcedBy(sha('a'), A.site, A.agent), image(sha('a')));
    assert.equal(await store.announcedBy(sha('a'), A.site, 'xr-2'), undefined);
    assert.equal(await store.announcedBy(sha('a'), 'clinic-b', A.agent), undefined);
    assert.equal(await store.announcedBy(sha('c'), A.site, A.agent), undefined);
  });

  it('stores an image once: the first size and time stay', async () => {
    const store = createImagesStore(await fresh());
    assert.equal(await store.isStored(sha('a')), false);
    await store.markStored(sha('a'), 6_000_000_000, T0);
    await store.markStored(sha('a'), 1, T0 + 99);
    assert.equal(await store.isStored(sha('a')), true);
    assert.deepEqual(await store.storedOldestFirst(10), [{ sha256: sha('a'), sizeBytes: 6_000_000_000, storedMs: T0 }]);
  });

  it('reports storage use: totals, the oldest, pending uploads and per-site use counted once per site', async () => {
    const store = createImagesStore(await fresh());
    assert.deepEqual(await store.usage(), { images: 0, bytes: 0, oldestStoredMs: null, pending: 0, bySite: [] });
    const link = (r: string, s: string, site: string) =>
      store.announce({ resultId: rid(r), sha256: sha(s), site, agent: 'xr-1', image: image(sha(s)) }, T0);
    await link('1', 'a', 'clinic-b');
    await link('2', 'a', 'clinic-b'); // the same film twice at one site
    await link('3', 'a', 'clinic-a'); // and once at another
    await link('4', 'b', 'clinic-a');
    await link('5', 'c', 'clinic-a'); // never uploaded
    await link('6', 'c', 'clinic-b'); // never uploaded
    await store.markStored(sha('a'), 5_000_000_000, T0 + 20);
    await store.markStored(sha('b'), 300, T0 + 10);
    await store.markStored(sha('d'), 7, T0 + 30); // stored, no link (its result was forgotten)
    assert.deepEqual(await store.usage(), {
      images: 3,
      bytes: 5_000_000_307,
      oldestStoredMs: T0 + 10,
      pending: 2,
      bySite: [
        { site: 'clinic-a', images: 2, bytes: 5_000_000_300 },
        { site: 'clinic-b', images: 1, bytes: 5_000_000_000 },
      ],
    });
  });

  it('lists stored images oldest first, sha256 on ties, within a limit', async () => {
    const store = createImagesStore(await fresh());
    await store.markStored(sha('c'), 3, T0 + 1);
    await store.markStored(sha('b'), 2, T0 + 1);
    await store.markStored(sha('a'), 1, T0 + 2);
    await store.markStored(sha('d'), 4, T0);
    const order = async (limit: number) =>
      (await store.storedOldestFirst(limit)).map((r) => `${r.sha256[0]}${r.sizeBytes}@${r.storedMs - T0}`);
    assert.deepEqual(await order(10), ['d4@0', 'b2@1', 'c3@1', 'a1@2']);
    assert.deepEqual(await order(2), ['d4@0', 'b2@1']);
  });

  it('forgets an image with every link to it, in one transaction', async () => {
    const db = await fresh();
    const store = createImagesStore(db);
    for (const [r, s] of [
      ['1', 'a'],
      ['2', 'a'],
      ['3', 'b'],
    ] as const) {
      await store.announce({ resultId: rid(r), sha256: sha(s), ...A, image: image(sha(s)) }, T0);
      await store.markStored(sha(s), 10, T0);
    }
    await assert.rejects(
      db.transaction(async (tx) => {
        await createImagesStore(tx).forget(sha('a'));
        throw new Error('file removal failed');
      }),
      /file removal failed/,
    );
    assert.equal(await store.isStored(sha('a')), true, 'rolled back with the caller');
    assert.equal((await store.link(rid('2')))?.stored, true);

    await store.forget(sha('a'));
    await store.forget(sha('z')); // nothing to forget: no error
    assert.equal(await store.isStored(sha('a')), false);
    assert.equal(await store.link(rid('1')), undefined);
    assert.equal(await store.link(rid('2')), undefined);
    assert.equal((await store.link(rid('3')))?.stored, true);
    assert.deepEqual(await store.usage(), {
      images: 1,
      bytes: 10,
      oldestStoredMs: T0,
      pending: 0,
      bySite: [{ site: 'clinic-a', images: 1, bytes: 10 }],
    });
  });
});
