/**
 * Site calibrations on the hub (migration 7; docs/hub.md#site-calibration): every signed calibration a trainer
 * publishes becomes the site's next version (1, 2, …; never changed) and the site's current one; a rollback points
 * the site back at an earlier version. The signed text is kept as received, so agents verify exactly what the
 * trainer signed. Adding and rolling back take turns (on PostgreSQL under an advisory lock), so calibrations added
 * at the same moment each get their own version.
 */
import { sql } from 'kysely';
import type { SignedCalibration, SiteCalibration } from '../../models/triage/site-calibration.ts';
import type { HubDb } from '../db/database.ts';
import { httpError } from '../http/errors.ts';
import { LOCK_KEYS } from '../jobs/cluster-lock.ts';

export interface StoredCalibration {
  site: string;
  version: number;
  modelVersion: string;
  signed: SignedCalibration;
  calibration: SiteCalibration;
  jobId: string | null;
  createdAt: string;
  current: boolean;
}

export interface CalibrationsStore {
  add(
    calibration: SiteCalibration,
    signed: SignedCalibration,
    jobId: string | null,
    actor: string,
    now: Date,
  ): Promise<StoredCalibration>;
  list(site?: string): Promise<StoredCalibration[]>;
  current(site: string): Promise<StoredCalibration | undefined>;
  /** Makes an earlier version current again; the version before and after. */
  setCurrent(
    site: string,
    version: number,
    actor: string,
    now: Date,
  ): Promise<{ before: number | null; after: number }>;
}

/**
 * One change at a time: SQLite's one connection already runs transactions in turn; on PostgreSQL two adds for a site
 * would both read the same latest version and the second insert would fail on the primary key.
 */
const oneAtATime = <T>(db: HubDb, fn: (tx: HubDb) => Promise<T>) =>
  db.transaction(async (tx) => {
    if (tx.dialect === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEYS.calibrations})`.execute(tx.kysely);
    return fn(tx);
  });

export function createCalibrationsStore(db: HubDb): CalibrationsStore {
  const rows = async (tx: HubDb, site?: string) => {
    let q = tx.kysely
      .selectFrom('site_calibrations as c')
      .leftJoin('site_calibration_current as k', (j) =>
        j.onRef('k.site', '=', 'c.site').onRef('k.version', '=', 'c.version'),
      )
      .select([
        'c.site',
        'c.version',
        'c.model_version',
        'c.payload',
        'c.signature',
        'c.key_id',
        'c.job_id',
        'c.created_at',
        'k.version as current',
      ])
      .orderBy('c.site')
      .orderBy('c.version', 'desc');
    if (site !== undefined) q = q.where('c.site', '=', site);
    return (await q.execute()).map(
      (r): StoredCalibration => ({
        site: r.site,
        version: r.version,
        modelVersion: r.model_version,
        signed: { payload: r.payload, signature: r.signature, keyId: r.key_id },
        calibration: JSON.parse(r.payload) as SiteCalibration,
        jobId: r.job_id,
        createdAt: r.created_at,
        current: r.current !== null,
      }),
    );
  };
  const point = async (tx: HubDb, site: string, version: number, actor: string, now: Date) => {
    await tx.kysely
      .insertInto('site_calibration_current')
      .values({ site, version, updated_by: actor, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('site').doUpdateSet({ version, updated_by: actor, updated_at: now.toISOString() }))
      .execute();
  };
  return {
    add: (calibration, signed, jobId, actor, now) =>
      oneAtATime(db, async (tx) => {
        const last = await tx.kysely
          .selectFrom('site_calibrations')
          .select(({ fn }) => fn.max('version').as('v'))
          .where('site', '=', calibration.site)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        await tx.kysely
          .insertInto('site_calibrations')
          .values({
            site: calibration.site,
            version,
            model_version: calibration.modelVersion,
            payload: signed.payload,
            signature: signed.signature,
            key_id: signed.keyId,
            job_id: jobId,
            created_at: now.toISOString(),
          })
          .execute();
        await point(tx, calibration.site, version, actor, now);
        return (await rows(tx, calibration.site)).find((c) => c.version === version)!;
      }),
    list: (site) => rows(db, site),
    async current(site) {
      return (await rows(db, site)).find((c) => c.current);
    },
    setCurrent: (site, version, actor, now) =>
      oneAtATime(db, async (tx) => {
        const all = await rows(tx, site);
        if (!all.some((c) => c.version === version)) {
          throw httpError('CXR_ERR_HUB_NOT_FOUND', `site ${site} has no calibration version ${version}`);
        }
        const before = all.find((c) => c.current)?.version ?? null;
        await point(tx, site, version, actor, now);
        return { before, after: version };
      }),
  };
}
