/**
 * The statistics page's figures per site: volumes (all time, last 24 h, per day for the last N days), the share
 * flagged (urgent or abnormal) and each tier, and read turnaround (arrival → first signed read) over the last N
 * days as median and 90th percentile (computed here from the signed studies of the window: percentiles are not
 * portable SQL, and the window bounds the rows).
 */
import { sql } from 'kysely';
import type { Tier } from '../../models/triage/triage-policy.ts';
import type { HubDb } from '../db/database.ts';
import { countAll, countWhere, utcDayOfMs } from '../db/dialect-sql.ts';

export interface SiteVolume {
  site: string;
  total: number;
  flagged: number;
  reviewed: number;
  last24h: number;
  tiers: Record<Tier, number>;
}

export interface DailyVolume {
  site: string;
  day: string;
  count: number;
}

export interface SiteTurnaround {
  site: string;
  reads: number;
  medianS: number | null;
  p90S: number | null;
}

export interface StatsStore {
  volumes(nowMs: number): Promise<SiteVolume[]>;
  daily(nowMs: number, days: number): Promise<DailyVolume[]>;
  turnaround(nowMs: number, days: number): Promise<SiteTurnaround[]>;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export function createStatsStore(db: HubDb): StatsStore {
  return {
    async volumes(nowMs) {
      const rows = await db.kysely
        .selectFrom('results')
        .select([
          'site',
          countAll().as('total'),
          countWhere(sql`tier IN ('urgent', 'abnormal')`).as('flagged'),
          countWhere(sql`status = 'reviewed'`).as('reviewed'),
          countWhere(sql`scored_ms >= ${nowMs - 86_400_000}`).as('last24h'),
          countWhere(sql`tier = 'urgent'`).as('urgent'),
          countWhere(sql`tier = 'abnormal'`).as('abnormal'),
          countWhere(sql`tier = 'indeterminate'`).as('indeterminate'),
          countWhere(sql`tier = 'likely-normal'`).as('likelyNormal'),
        ])
        .groupBy('site')
        .orderBy('site')
        .execute();
      return rows.map(({ urgent, abnormal, indeterminate, likelyNormal, ...rest }) => ({
        ...rest,
        tiers: { urgent, abnormal, indeterminate, 'likely-normal': likelyNormal },
      }));
    },
    daily(nowMs, days) {
      const day = utcDayOfMs(db.dialect, 'scored_ms');
      return db.kysely
        .selectFrom('results')
        .select(['site', day.as('day'), countAll().as('count')])
        .where('scored_ms', '>=', nowMs - days * 86_400_000)
        .groupBy(['site', day])
        .orderBy(day)
        .orderBy('site')
        .execute();
    },
    async turnaround(nowMs, days) {
      const rows = await db.kysely
        .selectFrom('results')
        .select(['site', 'signed_ms', 'arrived_ms'])
        .where('signed_ms', 'is not', null)
        .where('signed_ms', '>=', nowMs - days * 86_400_000)
        .execute();
      const bySite = new Map<string, number[]>();
      for (const r of rows) {
        const list = bySite.get(r.site) ?? [];
        list.push(Math.max(0, ((r.signed_ms as number) - r.arrived_ms) / 1000));
        bySite.set(r.site, list);
      }
      return [...bySite.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([site, values]) => {
          const sorted = values.sort((a, b) => a - b);
          const round = (v: number | null) => (v === null ? null : Math.round(v));
          return {
            site,
            reads: sorted.length,
            medianS: round(quantile(sorted, 0.5)),
            p90S: round(quantile(sorted, 0.9)),
          };
        });
    },
  };
}
