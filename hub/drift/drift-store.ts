/**
 * What drift is computed from (migration 10; docs/hub.md#drift), in SQL that runs on SQLite and PostgreSQL alike.
 * In: a week's [start, end) in ms. Out, per site: the films scored that week and their triage-score histogram per
 * model version (ten bins, as models/triage/score-histogram.ts), the signed reads of those films — the latest
 * version of each read (an addendum wins) — with whether the AI's flag matched, and the agents' quarantined counts
 * per week (`recordQuarantined`, from their statuses). Also each site's stored drift state (`states`, `putState`).
 */
import { sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import type { DriftReason } from './drift-policy.ts';

export interface ScoreRow {
  site: string;
  modelVersion: string;
  counts: number[];
}

export interface StoredDriftState {
  site: string;
  drifting: boolean;
  week: string;
  reasons: DriftReason[];
  figures: { agreement: number | null; psi: number | null; refusedRate: number | null };
  since: string;
  updatedAt: string;
}

const BINS = 10;
const num = (v: unknown) => Number(v ?? 0);

export function createDriftStore(db: HubDb) {
  const { kysely } = db;
  return {
    async scores(startMs: number, endMs: number): Promise<ScoreRow[]> {
      const bins = Array.from({ length: BINS }, (_, i) => {
        const lo = i / BINS;
        const hi = (i + 1) / BINS;
        const cond = i === BINS - 1 ? sql`score >= ${lo}` : sql`score >= ${lo} AND score < ${hi}`;
        return sql<number>`SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END)`.as(`b${i}`);
      });
      const rows = await kysely
        .selectFrom('results')
        .select(['site', 'model_version'])
        .select(bins)
        .where('scored_ms', '>=', startMs)
        .where('scored_ms', '<', endMs)
        .groupBy(['site', 'model_version'])
        .execute();
      return rows.map((r) => {
        const row = r as unknown as Record<string, unknown>;
        return {
          site: r.site,
          modelVersion: r.model_version,
          counts: Array.from({ length: BINS }, (_, i) => num(row[`b${i}`])),
        };
      });
    },

    /** Per site: the latest read of each film scored in the week, and in how many the AI's flag matched it. */
    async reads(startMs: number, endMs: number): Promise<Map<string, { total: number; agreed: number }>> {
      const aiFlagged = sql`res.tier IN ('urgent', 'abnormal')`;
      const readAbnormal = sql`EXISTS (SELECT 1 FROM read_decisions d WHERE d.read_id = r.id AND d.present = 1)`;
      const rows = await kysely
        .selectFrom('reads as r')
        .innerJoin('results as res', 'res.id', 'r.result_row')
        .select('res.site')
        .select(sql<number>`COUNT(*)`.as('total'))
        .select(sql<number>`SUM(CASE WHEN (${aiFlagged}) = (${readAbnormal}) THEN 1 ELSE 0 END)`.as('agreed'))
        .where('res.scored_ms', '>=', startMs)
        .where('res.scored_ms', '<', endMs)
        .where(sql<boolean>`r.version = (SELECT MAX(r2.version) FROM reads r2 WHERE r2.result_row = r.result_row)`)
        .groupBy('res.site')
        .execute();
      return new Map(rows.map((r) => [r.site, { total: num(r.total), agreed: num(r.agreed) }]));
    },

    /** Every agent's weekly quarantined counts for weeks up to `lastWeek` (names sort in time order). */
    async refusals(lastWeek: string) {
      const rows = await kysely.selectFrom('agent_refusals').selectAll().where('week', '<=', lastWeek).execute();
      return rows.map((r) => ({
        site: r.site,
        agent: r.agent,
        week: r.week,
        firstCount: num(r.first_count),
        lastCount: num(r.last_count),
      }));
    },

    async recordQuarantined(site: string, agent: string, week: string, count: number): Promise<void> {
      await kysely
        .insertInto('agent_refusals')
        .values({ site, agent, week, first_count: count, last_count: count })
        .onConflict((oc) => oc.columns(['site', 'agent', 'week']).doUpdateSet({ last_count: count }))
        .execute();
    },

    async states(): Promise<StoredDriftState[]> {
      const rows = await kysely.selectFrom('site_drift').selectAll().orderBy('site').execute();
      return rows.map((r) => {
        const detail = JSON.parse(r.reasons) as Pick<StoredDriftState, 'reasons' | 'figures'>;
        return {
          site: r.site,
          drifting: num(r.drifting) === 1,
          week: r.week,
          reasons: detail.reasons,
          figures: detail.figures,
          since: r.since,
          updatedAt: r.updated_at,
        };
      });
    },

    async putState(state: StoredDriftState): Promise<void> {
      const values = {
        drifting: state.drifting ? 1 : 0,
        week: state.week,
        reasons: JSON.stringify({ reasons: state.reasons, figures: state.figures }),
        since: state.since,
        updated_at: state.updatedAt,
      };
      await kysely
        .insertInto('site_drift')
        .values({ site: state.site, ...values })
        .onConflict((oc) => oc.column('site').doUpdateSet(values))
        .execute();
    },
  };
}

export type DriftStore = ReturnType<typeof createDriftStore>;
