import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAgentMetrics } from '../../../agent/http/metrics.ts';

function metrics() {
  return createAgentMetrics({
    backlog: () => 7,
    outboxSize: () => 3,
    oldestUnackedAgeS: () => 12.5,
    intakePaused: () => 1,
    diskFreeBytes: () => 1e9,
    uptimeS: () => 60,
    model: () => ({ version: '1.2.0', runtime: 'openvino' }),
  });
}

it('renders counters, labelled counters, histograms and read-on-scrape gauges in Prometheus text format', () => {
  const m = metrics();
  m.filesSeen.inc();
  m.filesSeen.inc();
  m.filesQuarantined.inc({ code: 'CXR_ERR_AGENT_NOT_CHEST' });
  m.inferenceMs.observe(7);
  m.inferenceMs.observe(300);
  const text = m.render();
  assert.match(text, /^# TYPE cxr_agent_files_seen_total counter$/m);
  assert.match(text, /^cxr_agent_files_seen_total 2$/m);
  assert.match(text, /^cxr_agent_files_scored_total 0$/m);
  assert.match(text, /^cxr_agent_files_quarantined_total\{code="CXR_ERR_AGENT_NOT_CHEST"\} 1$/m);
  assert.match(text, /^cxr_agent_inference_ms_bucket\{le="5"\} 0$/m);
  assert.match(text, /^cxr_agent_inference_ms_bucket\{le="10"\} 1$/m);
  assert.match(text, /^cxr_agent_inference_ms_bucket\{le="500"\} 2$/m);
  assert.match(text, /^cxr_agent_inference_ms_bucket\{le="\+Inf"\} 2$/m);
  assert.match(text, /^cxr_agent_inference_ms_sum 307$/m);
  assert.match(text, /^cxr_agent_backlog 7$/m);
  assert.match(text, /^cxr_agent_outbox_size 3$/m);
  assert.match(text, /^cxr_agent_oldest_unacked_seconds 12.5$/m);
  assert.match(text, /^cxr_agent_intake_paused 1$/m);
  assert.match(text, /^cxr_agent_model_info\{version="1\.2\.0",runtime="openvino"\} 1$/m);
  assert.ok(text.endsWith('\n'));
});

it('escapes label values', () => {
  const m = metrics();
  m.resultsAcked.inc({ status: 'a"b\\c' });
  assert.match(m.render(), /cxr_agent_results_acked_total\{status="a\\"b\\\\c"\} 1/);
});

it('every series has HELP and TYPE lines', () => {
  const text = metrics().render();
  const names = new Set([...text.matchAll(/^(cxr_agent_[a-z_]+?)(?:_bucket|_sum|_count)?(?:\{| )/gm)].map((m) => m[1]));
  for (const name of names) {
    const base = text.includes(`# TYPE ${name} `) ? name : name?.replace(/_(bucket|sum|count)$/, '');
    assert.match(text, new RegExp(`^# HELP ${base} `, 'm'), String(name));
  }
});
