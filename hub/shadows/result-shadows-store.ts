/**
 * The candidate's output on stored results (the result message's `shadow`; migration 9). In: at ingest, the stored
 * results' row ids with their shadow outputs (written in the results' own transaction, so a stored result and its
 * shadow output commit together); for the agreement, a candidate version and sites. Out: for each such result that a
 * radiologist has read — the latest version of the read only, so an addendum wins over the original — production's
 * findings, the candidate's findings and the radiologist's explicit decisions, and per site how many films the
 * candidate scored.
 */
import type { ShadowOutput } from '../../protocol/messages.ts';
import type { HubDb } from '../db/database.ts';
import type { ReadFilm } from './shadow-agreement.ts';

export async function insertResultShadows(
  tx: HubDb,
  rows: readonly { resultRow: number; shadow: ShadowOutput }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.kysely
    .insertInto('result_shadows')
    .values(
      rows.map(({ resultRow, shadow }) => ({
        result_row: resultRow,
        version: shadow.version,
        flags: JSON.stringify(shadow.flags),
        probabilities: JSON.stringify(shadow.probabilities),
        tier: shadow.tier,
        score: shadow.score,
      })),
    )
    .onConflict((oc) => oc.column('result_row').doNothing())
    .execute();
}

export interface ShadowFilms {
  /** Per site: results that carry this candidate's output. */
  scored: Map<string, number>;
  /** Those of them with a signed read. */
  read: ReadFilm[];
}

export async function shadowFilms(db: HubDb, version: string, sites: readonly string[]): Promise<ShadowFilms> {
  const scored = new Map<string, number>();
  if (sites.length === 0) return { scored, read: [] };
  const counts = await db.kysely
    .selectFrom('result_shadows as s')
    .innerJoin('results as r', 'r.id', 's.result_row')
    .where('s.version', '=', version)
    .where('r.site', 'in', sites)
    .groupBy('r.site')
    .select(({ fn }) => ['r.site', fn.countAll<number>().as('films')])
    .execute();
  for (const c of counts) scored.set(c.site, Number(c.films));
  const rows = await db.kysely
    .selectFrom('result_shadows as s')
    .innerJoin('results as r', 'r.id', 's.result_row')
    .innerJoin('reads as rd', 'rd.result_row', 'r.id')
    .where('s.version', '=', version)
    .where('r.site', 'in', sites)
    .where(({ eb, selectFrom }) =>
      eb(
        'rd.id',
        'in',
        selectFrom('reads')
          .select(({ fn }) => fn.max('id').as('id'))
          .groupBy('result_row'),
      ),
    )
    .select(['r.site', 'r.model_version', 'r.flags', 's.flags as shadow_flags', 'rd.decisions'])
    .execute();
  const read = rows.map((row) => ({
    site: row.site,
    productionVersion: row.model_version,
    production: JSON.parse(row.flags) as string[],
    candidate: JSON.parse(row.shadow_flags) as string[],
    decisions: JSON.parse(row.decisions) as Record<string, 'present' | 'absent'>,
  }));
  return { scored, read };
}
