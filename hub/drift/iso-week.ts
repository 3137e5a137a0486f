/**
 * ISO 8601 weeks in UTC (pure): the week a time falls in ("2026-W49"; weeks start on Monday, week 1 holds the
 * year's first Thursday), a week's [start, end) in milliseconds, and the last n weeks up to a time, newest first.
 * A week name that is not of that form throws a RangeError (a programmer error: names come from isoWeekOf).
 */
const DAY = 86_400_000;
const WEEK = 7 * DAY;

export function isoWeekOf(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * DAY + 3 * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / WEEK);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function weekBounds(week: string): { startMs: number; endMs: number } {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new RangeError(`not an ISO week: ${week}`);
  const year = Number(m[1]);
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  const startMs = mondayOfWeek1 + (Number(m[2]) - 1) * WEEK;
  return { startMs, endMs: startMs + WEEK };
}

/** The `n` ISO weeks up to and including the one `nowMs` is in, newest first. */
export function recentWeeks(nowMs: number, n: number): string[] {
  const current = weekBounds(isoWeekOf(nowMs)).startMs;
  return Array.from({ length: n }, (_, i) => isoWeekOf(current - i * WEEK));
}
