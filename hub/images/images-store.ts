/**
 * The diagnostic images' rows (migration 6): which result names which image (with the agent that announced it
 * and the image's description), which images are stored, storage use, and what retention removes.
 * Async, on Kysely: the same code runs on SQLite and PostgreSQL.
 */
import type { DiagnosticImage } from '../../protocol/pixel-messages.ts';
import type { HubDb } from '../db/database.ts';

export interface ImageLink {
  resultId: string;
  sha256: string;
  site: string;
  agent: string;
  image: DiagnosticImage;
  /** Whether the bytes are stored (the upload finished). */
  stored: boolean;
}

export interface StorageUse {
  images: number;
  bytes: number;
  oldestStoredMs: number | null;
  /** Announced results whose upload has not finished. */
  pending: number;
  bySite: { site: string; images: number; bytes: number }[];
}

export interface ImagesStore {
  /** Records (or replaces) the image a result's agent announced. */
  announce(link: Omit<ImageLink, 'stored'>, nowMs: number): Promise<void>;
  link(resultId: string): Promise<ImageLink | undefined>;
  /** Whether any result announced this sha256 from this agent. */
  announcedBy(sha256: string, site: string, agent: string): Promise<DiagnosticImage | undefined>;
  markStored(sha256: string, sizeBytes: number, nowMs: number): Promise<void>;
  isStored(sha256: string): Promise<boolean>;
  usage(): Promise<StorageUse>;
  /** Stored images, oldest first: [sha256, size, stored at]. */
  storedOldestFirst(limit: number): Promise<{ sha256: string; sizeBytes: number; storedMs: number }[]>;
  /** Forgets a stored image and every link to it. */
  forget(sha256: string): Promise<void>;
}

export function createImagesStore(db: HubDb): ImagesStore {
  return {
    async announce(link, nowMs) {
      await db.kysely
        .insertInto('result_images')
        .values({
          result_id: link.resultId,
          sha256: link.sha256,
          site: link.site,
          agent: link.agent,
          image: JSON.stringify(link.image),
          announced_ms: nowMs,
        })
        .onConflict((oc) =>
          oc.column('result_id').doUpdateSet((eb) => ({
            sha256: eb.ref('excluded.sha256'),
            site: eb.ref('excluded.site'),
            agent: eb.ref('excluded.agent'),
            image: eb.ref('excluded.image'),
          })),
        )
        .execute();
    },
    async link(resultId) {
      const row = await db.kysely
        .selectFrom('result_images as r')
        .leftJoin('images as i', 'i.sha256', 'r.sha256')
        .select(['r.result_id', 'r.sha256', 'r.site', 'r.agent', 'r.image', 'i.stored_ms'])
        .where('r.result_id', '=', resultId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        resultId: row.result_id,
        sha256: row.sha256,
        site: row.site,
        agent: row.agent,
        image: JSON.parse(row.image) as DiagnosticImage,
        stored: row.stored_ms !== null,
      };
    },
    async announcedBy(sha256, site, agent) {
      const row = await db.kysely
        .selectFrom('result_images')
        .select('image')
        .where('sha256', '=', sha256)
        .where('site', '=', site)
        .where('agent', '=', agent)
        .executeTakeFirst();
      return row ? (JSON.parse(row.image) as DiagnosticImage) : undefined;
    },
    async markStored(sha256, sizeBytes, nowMs) {
      await db.kysely
        .insertInto('images')
        .values({ sha256, size_bytes: sizeBytes, stored_ms: nowMs })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
    },
    async isStored(sha256) {
      const row = await db.kysely.selectFrom('images').select('sha256').where('sha256', '=', sha256).executeTakeFirst();
      return row !== undefined;
    },
    async usage() {
      const total = await db.kysely
        .selectFrom('images')
        .select((eb) => [
          eb.fn.countAll<string | number>().as('n'),
          eb.fn.coalesce(eb.fn.sum<string | number>('size_bytes'), eb.lit(0)).as('bytes'),
          eb.fn.min<number | null>('stored_ms').as('oldest'),
        ])
        .executeTakeFirstOrThrow();
      const pending = await db.kysely
        .selectFrom('result_images as r')
        .leftJoin('images as i', 'i.sha256', 'r.sha256')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('i.sha256', 'is', null)
        .executeTakeFirstOrThrow();
      // An image shared by two results of one site counts once per site.
      const bySite = await db.kysely
        .selectFrom((eb) =>
          eb
            .selectFrom('result_images as r')
            .innerJoin('images as i', 'i.sha256', 'r.sha256')
            .select(['r.site', 'i.sha256', 'i.size_bytes'])
            .distinct()
            .as('d'),
        )
        .select((eb) => [
          'd.site',
          eb.fn.countAll<string | number>().as('n'),
          eb.fn.sum<string | number>('d.size_bytes').as('bytes'),
        ])
        .groupBy('d.site')
        .orderBy('d.site')
        .execute();
      return {
        images: Number(total.n),
        bytes: Number(total.bytes),
        oldestStoredMs: total.oldest === null ? null : Number(total.oldest),
        pending: Number(pending.n),
        bySite: bySite.map((r) => ({ site: r.site, images: Number(r.n), bytes: Number(r.bytes) })),
      };
    },
    async storedOldestFirst(limit) {
      const rows = await db.kysely
        .selectFrom('images')
        .select(['sha256', 'size_bytes', 'stored_ms'])
        .orderBy('stored_ms')
        .orderBy('sha256')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ sha256: r.sha256, sizeBytes: Number(r.size_bytes), storedMs: Number(r.stored_ms) }));
    },
    async forget(sha256) {
      await db.transaction(async (tx) => {
        await tx.kysely.deleteFrom('result_images').where('sha256', '=', sha256).execute();
        await tx.kysely.deleteFrom('images').where('sha256', '=', sha256).execute();
      });
    },
  };
}
