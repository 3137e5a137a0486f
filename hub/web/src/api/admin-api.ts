/** Fleet, statistics, audit log: API → view models for the screens that are not about one study. */
import { ageText, durationText, percent, TIER_LABEL, timeText } from '../ui/format.ts';
import { call } from './http.ts';
import type { AuditEntryBody, Tier } from './types.ts';
import { TIERS } from './types.ts';

interface AgentBody {
  site: string;
  agent: string;
  online: boolean;
  lastSeen: string | null;
  backlog?: number;
  outbox?: number;
  quarantined?: number;
  results: number;
  modelVersion?: string;
  runtime?: string;
  agentVersion?: string;
  intakePaused?: boolean;
  modelState?: { version: string; state: string } | null;
}

export interface AgentView {
  name: string;
  online: boolean;
  lastSeen: string;
  backlog: number | string;
  outbox: number | string;
  quarantined: number | string;
  results: number;
  model: string;
  runtime: string;
  version: string;
  rollout: string;
  paused: boolean;
}

export async function fleet(): Promise<AgentView[]> {
  const body = await call<{ agents: AgentBody[] }>('GET', '/api/fleet');
  const now = Date.now();
  return body.agents.map((a) => ({
    name: `${a.site} / ${a.agent}`,
    online: a.online,
    lastSeen: a.lastSeen ? `${ageText(a.lastSeen, now)} ago` : 'never',
    backlog: a.backlog ?? '—',
    outbox: a.outbox ?? '—',
    quarantined: a.quarantined ?? '—',
    results: a.results,
    model: a.modelVersion ?? '—',
    runtime: a.runtime ?? '—',
    version: a.agentVersion ?? '—',
    rollout: a.modelState ? `${a.modelState.version}: ${a.modelState.state}` : '—',
    paused: a.intakePaused === true,
  }));
}

interface StatsBody {
  sites: Array<{
    site: string;
    total: number;
    last24h: number;
    flagged: number;
    reviewed: number;
    tiers: Record<Tier, number>;
    turnaround: { reads: number; medianS: number | null; p90S: number | null };
  }>;
  daily: Array<{ site: string; day: string; count: number }>;
  agreement: Array<{
    class: string;
    reads: number;
    agree: number;
    rate: number | null;
    aiCalledPresent: number;
    aiCalledAbsent: number;
    aiMissedPresent: number;
    aiClearAbsent: number;
  }>;
}

function lastDays(n: number): string[] {
  const today = Date.now();
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export async function stats() {
  const body = await call<StatsBody>('GET', '/api/stats?days=14');
  return {
    sites: body.sites.map((s) => ({
      ...s,
      flaggedShare: s.total ? percent(s.flagged / s.total) : '—',
      reviewedShare: s.total ? percent(s.reviewed / s.total) : '—',
      tierText: TIERS.map((t) => `${TIER_LABEL[t]} ${s.tiers[t] ?? 0}`).join(' · '),
      turnaroundText:
        s.turnaround.medianS === null
          ? 'no reads yet'
          : `median ${durationText(s.turnaround.medianS)}, 90% within ${durationText(s.turnaround.p90S ?? 0)} (${s.turnaround.reads} reads)`,
      days: lastDays(14).map((day) => ({
        day,
        count: body.daily.find((d) => d.site === s.site && d.day === day)?.count ?? 0,
      })),
    })),
    agreement: body.agreement.map((a) => ({ ...a, rateText: a.rate === null ? '—' : percent(a.rate) })),
  };
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  before?: number;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  source: string;
  change: string;
}

function summarize(entry: AuditEntryBody): string {
  const after = entry.after as Record<string, unknown> | null;
  if (after && typeof after === 'object' && 'read' in after) {
    const read = after.read as { version: number; decisions: Record<string, string> };
    const present = Object.entries(read.decisions)
      .filter(([, d]) => d === 'present')
      .map(([c]) => c);
    return `v${read.version}: ${present.length ? `${present.join(', ')} present` : 'normal (no finding present)'}`;
  }
  return after ? JSON.stringify(after).slice(0, 160) : '';
}

export async function auditLog(query: AuditQuery): Promise<{ rows: AuditRow[]; nextBefore: number | null }> {
  const params = new URLSearchParams({ limit: '50' });
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const body = await call<{ entries: AuditEntryBody[] }>('GET', `/api/audit?${params}`);
  const rows = body.entries.map((e) => ({
    id: e.id,
    at: timeText(e.at),
    actor: e.actor,
    action: e.action,
    target: e.target ?? '',
    source: e.source ?? '',
    change: summarize(e),
  }));
  const last = rows.at(-1);
  return { rows, nextBefore: rows.length === 50 && last ? last.id : null };
}
