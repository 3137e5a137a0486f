/**
 * The example alert rules (deploy/prometheus/cxr-alerts.yml) and scrape config: well-formed (every rule has a
 * name, an expression, a severity and a summary), every `cxr_*` metric they name is one the hub's /metrics or
 * an agent's /metrics really exports (read from the renderers), and `promtool check` passes when Prometheus's
 * promtool is installed (it is not in scripts/setup.sh: 96 MB; the test says so and skips that part).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createAgentMetrics } from '../../agent/http/metrics.ts';
import { renderHubMetrics } from '../../hub/fleet/prometheus-text.ts';
import { createIngestCounters } from '../../hub/results/ingest-counters.ts';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const RULES = `${DIR}cxr-alerts.yml`;
const promtool = spawnSync('promtool', ['--version']).status === 0;

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

/** Every metric family name the two renderers declare (`# TYPE <name> ...`), plus histogram/summary suffixes. */
function exportedNames(): Set<string> {
  const agent = createAgentMetrics({
    backlog: () => 0,
    outboxSize: () => 0,
    oldestUnackedAgeS: () => 0,
    intakePaused: () => 0,
    diskFreeBytes: () => 0,
    uptimeS: () => 0,
    model: () => ({ version: 'x', runtime: 'x' }),
  }).render();
  const hub = renderHubMetrics({
    nowMs: 0,
    counters: createIngestCounters(),
    agents: [],
    volumes: [],
    turnaround: [],
    rollouts: [],
    turnaroundDays: 14,
  });
  const names = new Set<string>();
  for (const match of `${agent}\n${hub}`.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(match[1] as string);
    if (match[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${match[1]}${s}`);
  }
  return names;
}

it('has well-formed rules that name only metrics the hub and agents export', () => {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);
  assert.ok(rules.length >= 10, `${rules.length} rules`);
  const exported = exportedNames();
  for (const rule of rules) {
    assert.match(rule.alert ?? '', /^Cxr[A-Za-z]+$/);
    assert.ok(rule.expr && rule.labels?.severity && rule.annotations?.summary, `${rule.alert} is incomplete`);
    for (const [name] of rule.expr.matchAll(/\bcxr_[a-z_]+/g))
      assert.ok(exported.has(name), `${rule.alert} names ${name}, which nothing exports`);
  }
  assert.ok(
    rules.some((r) => r.expr?.includes('cxr_hub_agent_acks_stalled')),
    'the acks-stalled alert is there',
  );
});

it('passes promtool check rules and check config', {
  skip: promtool ? false : 'promtool not installed (apt prometheus)',
}, () => {
  for (const args of [
    ['check', 'rules', RULES],
    ['check', 'config', `${DIR}prometheus.example.yml`],
  ]) {
    const run = spawnSync('promtool', args, { encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  }
});
