/**
 * Volumes per site (all time, last 24 h, per day for the last N days) for the stats page. The per-site
 * query reads only columns of the (site, status, rank, scored_ms, id) index, so it scans that index, not the table.
 */
import type { HubDb } from './db.ts';

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
  volumes(nowMs: number): SiteVolume[];
  daily(nowMs: number, days: number): DailyVolume[];
}

export function createStatsStore(db: HubDb): StatsStore {
  const volumes = db.prepare(`
    SELECT site, count(*) AS total, sum(rank < 9) AS flagged, sum(status = 'reviewed') AS reviewed,
      sum(scored_ms >= ?) AS last24h
    FROM results GROUP BY site ORDER BY site`);
  const daily = db.prepare(`
    SELECT site, strftime('%Y-%m-%d', scored_ms / 1000, 'unixepoch') AS day, count(*) AS count
    FROM results WHERE scored_ms >= ? GROUP BY site, day ORDER BY day, site`);
  return {
    volumes: (nowMs) => volumes.all(nowMs - 86_400_000) as SiteVolume[],
    daily: (nowMs, days) => daily.all(nowMs - days * 86_400_000) as DailyVolume[],
  };
}
