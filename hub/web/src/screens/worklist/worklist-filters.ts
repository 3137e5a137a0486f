/**
 * Worklist filters and order (pure, no DOM): read from and written to the hash (`#/worklist?tier=urgent,abnormal
 * &site=north&sort=score`), so they survive opening a study and coming back, a reload and a shared link; turned
 * into the API's query; and the client-side order used to place a live arrival, the same as the API's.
 */
import { TIERS, type Tier, type WorklistSort } from '../../api/types.ts';
import type { WorkItem } from '../../api/worklist-api.ts';

export type ClaimedFilter = 'any' | 'unclaimed' | 'mine' | 'others';
export type StatusFilter = 'unread' | 'reviewed' | 'all';

export interface WorklistFilters {
  status: StatusFilter;
  tiers: Tier[];
  site: string;
  finding: string;
  /** yyyy-mm-dd in the reader's time zone, on the day the study arrived (acquisition, else receipt). */
  from: string;
  to: string;
  claimed: ClaimedFilter;
  sort: WorklistSort;
}

export const DEFAULT_FILTERS: Readonly<WorklistFilters> = {
  status: 'unread',
  tiers: [],
  site: '',
  finding: '',
  from: '',
  to: '',
  claimed: 'any',
  sort: 'triage',
};

const SORTS: readonly WorklistSort[] = ['triage', 'oldest', 'newest', 'score'];
const STATUSES: readonly StatusFilter[] = ['unread', 'reviewed', 'all'];
const CLAIMED: readonly ClaimedFilter[] = ['any', 'unclaimed', 'mine', 'others'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function filtersFromQuery(query: URLSearchParams): WorklistFilters {
  const day = (key: string) => {
    const v = query.get(key) ?? '';
    return DAY.test(v) ? v : '';
  };
  return {
    status: oneOf(query.get('status'), STATUSES, DEFAULT_FILTERS.status),
    tiers: (query.get('tier') ?? '').split(',').filter((t): t is Tier => (TIERS as readonly string[]).includes(t)),
    site: (query.get('site') ?? '').trim().slice(0, 64),
    finding: (query.get('finding') ?? '').trim().slice(0, 128),
    from: day('from'),
    to: day('to'),
    claimed: oneOf(query.get('claimed'), CLAIMED, DEFAULT_FILTERS.claimed),
    sort: oneOf(query.get('sort'), SORTS, DEFAULT_FILTERS.sort),
  };
}

/** The hash for these filters; defaults are left out, so the plain worklist is `#/worklist`. */
export function hashOf(filters: WorklistFilters): string {
  const query = new URLSearchParams();
  if (filters.status !== DEFAULT_FILTERS.status) query.set('status', filters.status);
  if (filters.tiers.length > 0) query.set('tier', filters.tiers.join(','));
  for (const key of ['site', 'finding', 'from', 'to'] as const) if (filters[key] !== '') query.set(key, filters[key]);
  if (filters.claimed !== DEFAULT_FILTERS.claimed) query.set('claimed', filters.claimed);
  if (filters.sort !== DEFAULT_FILTERS.sort) query.set('sort', filters.sort);
  const text = query.toString();
  return text === '' ? '#/worklist' : `#/worklist?${text}`;
}

/** Local midnight at the start of a yyyy-mm-dd day, plus `days`, as an instant. */
export function dayStart(day: string, days = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days);
}

/** The API query (GET /api/worklist) for these filters: days become instants (from inclusive, to exclusive). */
export function apiQuery(filters: WorklistFilters, limit: number): Record<string, string> {
  return {
    status: filters.status,
    tier: filters.tiers.join(','),
    site: filters.site,
    finding: filters.finding,
    from: filters.from === '' ? '' : dayStart(filters.from).toISOString(),
    to: filters.to === '' ? '' : dayStart(filters.to, 1).toISOString(),
    claimed: filters.claimed === 'any' ? '' : filters.claimed,
    sort: filters.sort,
    limit: String(limit),
  };
}

const TIER_RANK: Readonly<Record<Tier, number>> = { urgent: 0, abnormal: 1, indeterminate: 2, 'likely-normal': 3 };

/** Negative when `a` comes before `b` in this order (the API's order: ties broken by waiting, then id). */
export function compareItems(sort: WorklistSort, a: WorkItem, b: WorkItem): number {
  const waited = Date.parse(a.arrivedAt) - Date.parse(b.arrivedAt);
  const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  switch (sort) {
    case 'triage':
      return TIER_RANK[a.tier] - TIER_RANK[b.tier] || b.score - a.score || waited || byId;
    case 'score':
      return b.score - a.score || waited || byId;
    case 'oldest':
      return waited || byId;
    case 'newest':
      return -waited || -byId;
  }
}

/** Whether a live arrival belongs in the list under these filters (`me`: the reader's username). */
export function matches(filters: WorklistFilters, item: WorkItem, me: string): boolean {
  if (filters.status !== 'all' && item.status !== filters.status) return false;
  if (filters.tiers.length > 0 && !filters.tiers.includes(item.tier)) return false;
  if (filters.site !== '' && item.site !== filters.site) return false;
  if (filters.finding !== '' && !item.findings.some((f) => f.name === filters.finding)) return false;
  const arrived = Date.parse(item.arrivedAt);
  if (filters.from !== '' && arrived < dayStart(filters.from).getTime()) return false;
  if (filters.to !== '' && arrived >= dayStart(filters.to, 1).getTime()) return false;
  if (filters.claimed === 'unclaimed' && item.claimedBy !== null) return false;
  if (filters.claimed === 'mine' && item.claimedBy !== me) return false;
  if (filters.claimed === 'others' && (item.claimedBy === null || item.claimedBy === me)) return false;
  return true;
}
