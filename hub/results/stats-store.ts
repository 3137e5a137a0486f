/**
 * Volumes per site (all time, last 24 h, per day for the last N days) for the stats page. The per-site
 * query reads only columns of the (site, status, rank, scored_ms, id) index, so it scans that index, not the table.
 */
import { sql } from 'kysely';
import type { HubDb } from '../db/database.ts';
import { countAll, countWhere, utcDayOfMs } from '../db/dialect-sql.ts';

export interface SiteVolume {
  site: string;
  total: number;
  flagged: number;
  reviewed: number;
  last24h: number;
}

export interface DailyVolume {
  site: string;
  day: string;
  count: number;
}

export interface StatsStore {
  volumes(nowMs: number): Promise<SiteVolume[]>;
  daily(nowMs: number, days: number): Promise<DailyVolume[]>;
}

export function createStatsStore(db: HubDb): StatsStore {
  return {
    volumes: (nowMs) =>
      db.kysely
        .selectFrom('results')
        .select([
          'site',
          countAll().as('total'),
          countWhere(sql`rank < 9`).as('flagged'),
          countWhere(sql`status = 'reviewed'`).as('reviewed'),
          countWhere(sql`scored_ms >= ${nowMs - 86_400_000}`).as('last24h'),
        ])
        .groupBy('site')
        .orderBy('site')
        .execute(),
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
  };
}
