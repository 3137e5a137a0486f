/**
 * A patient's earlier studies (the priors), found by the pseudonymous patient key (`results.patient_key`, an
 * HMAC with the site's secret, so keys link within one site only). In: a study's result id. Out: the studies of
 * the same key at the same site that arrived before it, newest first, each with its AI tier and score, the
 * findings called, whether images are on the hub, and the latest signed read (`reads`, the highest version).
 * Dates are returned as milliseconds for the route to make relative; nothing here names a patient.
 */
import type { HubDb } from '../db/database.ts';

export interface PriorRow {
  resultId: string;
  arrivedMs: number;
  tier: string;
  score: number;
  flags: string[];
  modelVersion: string;
  image: Record<string, unknown>;
  hasPreview: boolean;
  hasDiagnostic: boolean;
  read: { version: number; reader: string; signedMs: number; impression: string; normal: boolean } | null;
}

export interface PriorsStore {
  /** undefined when there is no such study; [] when it has no patient key or no earlier study. */
  priorsOf(resultId: string, limit: number): Promise<{ arrivedMs: number; priors: PriorRow[] } | undefined>;
}

export function createPriorsStore(db: HubDb): PriorsStore {
  return {
    async priorsOf(resultId, limit) {
      const study = await db.kysely
        .selectFrom('results')
        .select(['id', 'site', 'patient_key', 'arrived_ms'])
        .where('result_id', '=', resultId)
        .executeTakeFirst();
      if (!study) return undefined;
      const arrivedMs = Number(study.arrived_ms);
      if (study.patient_key === null) return { arrivedMs, priors: [] };
      const rows = await db.kysely
        .selectFrom('results as r')
        .leftJoin('result_images as ri', 'ri.result_id', 'r.result_id')
        .leftJoin('images as i', 'i.sha256', 'ri.sha256')
        .select([
          'r.id',
          'r.result_id',
          'r.arrived_ms',
          'r.tier',
          'r.score',
          'r.flags',
          'r.model_version',
          'r.image',
          'r.preview_sha256',
          'i.stored_ms',
        ])
        .where('r.site', '=', study.site)
        .where('r.patient_key', '=', study.patient_key)
        .where('r.id', '!=', study.id)
        .where('r.arrived_ms', '<=', arrivedMs)
        .orderBy('r.arrived_ms', 'desc')
        .orderBy('r.id', 'desc')
        .limit(limit)
        .execute();
      const ids = rows.map((r) => r.id);
      const reads =
        ids.length === 0
          ? []
          : await db.kysely
              .selectFrom('reads')
              .select(['result_row', 'version', 'reader', 'signed_ms', 'impression', 'normal'])
              .where('result_row', 'in', ids)
              .orderBy('version', 'desc')
              .execute();
      const latest = new Map<number, (typeof reads)[number]>();
      for (const read of reads) if (!latest.has(read.result_row)) latest.set(read.result_row, read);
      return {
        arrivedMs,
        priors: rows.map((r) => {
          const read = latest.get(r.id);
          return {
            resultId: r.result_id,
            arrivedMs: Number(r.arrived_ms),
            tier: r.tier,
            score: Number(r.score),
            flags: JSON.parse(r.flags) as string[],
            modelVersion: r.model_version,
            image: JSON.parse(r.image) as Record<string, unknown>,
            hasPreview: r.preview_sha256 !== null,
            hasDiagnostic: r.stored_ms !== null,
            read: read
              ? {
                  version: read.version,
                  reader: read.reader,
                  signedMs: Number(read.signed_ms),
                  impression: read.impression,
                  normal: Boolean(read.normal),
                }
              : null,
          };
        }),
      };
    },
  };
}
