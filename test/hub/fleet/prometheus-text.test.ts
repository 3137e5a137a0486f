import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type HubMetricsSnapshot, renderHubMetrics } from '../../../hub/fleet/prometheus-text.ts';
import { createIngestCounters } from '../../../hub/results/ingest-counters.ts';

function sampleSnapshot(): HubMetricsSnapshot {
  const counters = createIngestCounters();
  counters.received.result = 12;
  counters.stored = 10;
  counters.duplicate = 2;
  counters.rejected = 1;
  counters.rejectedByCode = { CXR_ERR_PROTOCOL_INVALID: 1 };
  const at = '2026-01-01T00:00:00.000Z';
  return {
    nowMs: Date.parse(at) + 90_000,
    counters,
    agents: [
      {
        site: 'clinic-a',
        agent: 'xr-1',
        online: true,
        lastSeen: at,
        status: {
          v: 1,
          site: 'clinic-a',
          agent: 'xr-1',
          online: true,
          at,
          outbox: 7,
          backlog: 3,
          quarantined: 1,
          intakePaused: false,
          acksStalled: true,
        },
      },
      { site: 'clinic-"b"', agent: 'xr-2', online: false, lastSeen: null, status: null },
    ],
    volumes: [
      {
        site: 'clinic-a',
        total: 10,
        flagged: 4,
        reviewed: 6,
        last24h: 10,
        tiers: { urgent: 1, abnormal: 3, indeterminate: 2, 'likely-normal': 4 },
      },
    ],
    turnaround: [{ site: 'clinic-a', reads: 6, medianS: 600, p90S: null }],
    rollouts: [{ id: 'r1', version: '2.1.0', status: 'running', wavesIssued: 2 }],
    turnaroundDays: 14,
  };
}

it('renders ingest counters, per-agent status gauges, volumes, turnaround and rollouts as Prometheus text', () => {
  const text = renderHubMetrics(sampleSnapshot());
  for (const line of [
    '# TYPE cxr_hub_results_received_total counter',
    'cxr_hub_results_received_total 12',
    'cxr_hub_results_stored_total 10',
    'cxr_hub_results_duplicate_total 2',
    'cxr_hub_results_rejected_total{code="CXR_ERR_PROTOCOL_INVALID"} 1',
    'cxr_hub_results{site="clinic-a",tier="urgent"} 1',
    'cxr_hub_results_unread{site="clinic-a"} 4',
    'cxr_hub_agent_online{site="clinic-a",agent="xr-1"} 1',
    'cxr_hub_agent_online{site="clinic-\\"b\\"",agent="xr-2"} 0',
    'cxr_hub_agent_last_seen_seconds{site="clinic-a",agent="xr-1"} 90',
    'cxr_hub_agent_outbox{site="clinic-a",agent="xr-1"} 7',
    'cxr_hub_agent_backlog{site="clinic-a",agent="xr-1"} 3',
    'cxr_hub_agent_intake_paused{site="clinic-a",agent="xr-1"} 0',
    'cxr_hub_agent_acks_stalled{site="clinic-a",agent="xr-1"} 1',
    'cxr_hub_read_turnaround_seconds{site="clinic-a",quantile="0.5"} 600',
    'cxr_hub_reads{site="clinic-a"} 6',
    'cxr_hub_rollout_info{id="r1",version="2.1.0",status="running"} 1',
    'cxr_hub_rollout_waves_issued{id="r1"} 2',
  ])
    assert.ok(text.split('\n').includes(line), `missing: ${line}`);
  assert.ok(!text.includes('quantile="0.9"'), 'no sample for an unknown percentile');
  assert.ok(
    !/xr-2"\} \d/.test(text.replace(/cxr_hub_agent_online.*\n/g, '')),
    'no status gauges for an agent without status',
  );
  assert.ok(text.endsWith('\n'));
});
