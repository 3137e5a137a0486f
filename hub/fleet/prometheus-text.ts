/**
 * The hub's metrics in Prometheus text format 0.0.4 (pure). In: a snapshot of the ingest counters, the fleet,
 * the per-site volumes and read turnaround, and the active rollouts. Out: the body of `GET /metrics`.
 * Series (docs/operations.md, "Hub metrics"; alert rules in deploy/prometheus/cxr-alerts.yml):
 * - ingest: `cxr_hub_results_received_total`, `_stored_total`, `_duplicate_total`, `_rejected_total{code}`
 *   (since the hub started), `cxr_hub_results{site,tier}` (stored, by triage tier), `cxr_hub_results_unread{site}`;
 * - backlog per agent (from its last status): `cxr_hub_agent_online`, `cxr_hub_agent_last_seen_seconds`,
 *   `cxr_hub_agent_outbox`, `cxr_hub_agent_backlog`, `cxr_hub_agent_quarantined`, `cxr_hub_agent_intake_paused`,
 *   `cxr_hub_agent_acks_stalled`, each `{site,agent}`;
 * - read turnaround over the last 14 days: `cxr_hub_read_turnaround_seconds{site,quantile}`, `cxr_hub_reads{site}`;
 * - rollouts: `cxr_hub_rollout_info{id,version,status} 1` and `cxr_hub_rollout_waves_issued{id}` per active one.
 * Label values are escaped; no value comes from an image (sites and agents are protocol ids).
 */
import type { StatusMessage } from '../../protocol/messages.ts';
import type { IngestCounters } from '../results/ingest-counters.ts';
import type { SiteTurnaround, SiteVolume } from '../results/stats-store.ts';

export interface HubMetricsSnapshot {
  nowMs: number;
  counters: IngestCounters;
  agents: { site: string; agent: string; online: boolean; lastSeen: string | null; status: StatusMessage | null }[];
  volumes: SiteVolume[];
  turnaround: SiteTurnaround[];
  rollouts: { id: string; version: string; status: string; wavesIssued: number }[];
  turnaroundDays: number;
}

type Labels = Record<string, string>;
type Sample = [labels: Labels, value: number];

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')}"`,
  );
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${value}`);
  return lines.join('\n');
}

export function renderHubMetrics(s: HubMetricsSnapshot): string {
  const c = s.counters;
  const agent = (a: HubMetricsSnapshot['agents'][number]) => ({ site: a.site, agent: a.agent });
  const fromStatus = (pick: (st: StatusMessage) => number | boolean | undefined): Sample[] =>
    s.agents.flatMap((a) => {
      const value = a.status ? pick(a.status) : undefined;
      return value === undefined ? [] : [[agent(a), Number(value)] as Sample];
    });
  const families = [
    family('cxr_hub_results_received_total', 'counter', 'Result messages received since the hub started', [
      [{}, c.received.result],
    ]),
    family('cxr_hub_results_stored_total', 'counter', 'Results stored (new) since the hub started', [[{}, c.stored]]),
    family('cxr_hub_results_duplicate_total', 'counter', 'Results received again (already stored, acked again)', [
      [{}, c.duplicate],
    ]),
    family(
      'cxr_hub_results_rejected_total',
      'counter',
      'Messages refused, by error code',
      Object.entries(c.rejectedByCode).map(([code, n]) => [{ code }, n] as Sample),
    ),
    family(
      'cxr_hub_results',
      'gauge',
      'Stored results by site, triage tier and read status',
      s.volumes.flatMap((v) => Object.entries(v.tiers).map(([tier, n]) => [{ site: v.site, tier }, n] as Sample)),
    ),
    family(
      'cxr_hub_results_unread',
      'gauge',
      'Stored results not yet read, by site',
      s.volumes.map((v) => [{ site: v.site }, v.total - v.reviewed] as Sample),
    ),
    family(
      'cxr_hub_agent_online',
      'gauge',
      '1 while the agent is connected (its retained status)',
      s.agents.map((a) => [agent(a), a.online ? 1 : 0]),
    ),
    family(
      'cxr_hub_agent_last_seen_seconds',
      'gauge',
      'Seconds since the hub last heard from the agent',
      s.agents.flatMap((a) =>
        a.lastSeen ? [[agent(a), Math.max(0, Math.round((s.nowMs - Date.parse(a.lastSeen)) / 1000))] as Sample] : [],
      ),
    ),
    family(
      'cxr_hub_agent_outbox',
      'gauge',
      "Results waiting in the agent's outbox (last status)",
      fromStatus((st) => st.outbox),
    ),
    family(
      'cxr_hub_agent_backlog',
      'gauge',
      "Files waiting in the agent's intake (last status)",
      fromStatus((st) => st.backlog),
    ),
    family(
      'cxr_hub_agent_quarantined',
      'gauge',
      'Files the agent quarantined (last status)',
      fromStatus((st) => st.quarantined),
    ),
    family(
      'cxr_hub_agent_intake_paused',
      'gauge',
      '1 while the agent paused intake (disk)',
      fromStatus((st) => st.intakePaused),
    ),
    family(
      'cxr_hub_agent_acks_stalled',
      'gauge',
      '1 while the agent reports its results go unacked',
      fromStatus((st) => st.acksStalled ?? false),
    ),
    family(
      'cxr_hub_read_turnaround_seconds',
      'gauge',
      `Arrival to first signed read over the last ${s.turnaroundDays} days`,
      s.turnaround.flatMap((t) => [
        ...(t.medianS === null ? [] : [[{ site: t.site, quantile: '0.5' }, t.medianS] as Sample]),
        ...(t.p90S === null ? [] : [[{ site: t.site, quantile: '0.9' }, t.p90S] as Sample]),
      ]),
    ),
    family(
      'cxr_hub_reads',
      'gauge',
      `Signed reads over the last ${s.turnaroundDays} days`,
      s.turnaround.map((t) => [{ site: t.site }, t.reads] as Sample),
    ),
    family(
      'cxr_hub_rollout_info',
      'gauge',
      'Active rollouts (1 each): version and status',
      s.rollouts.map((r) => [{ id: r.id, version: r.version, status: r.status }, 1] as Sample),
    ),
    family(
      'cxr_hub_rollout_waves_issued',
      'gauge',
      'Waves an active rollout has issued',
      s.rollouts.map((r) => [{ id: r.id }, r.wavesIssued] as Sample),
    ),
  ];
  return `${families.join('\n')}\n`;
}
