/**
 * Agent metrics: counters, gauges and histograms in memory, rendered as Prometheus text format 0.0.4
 * (pure; no client library needed for a dozen series). Gauges that mirror state are read on scrape.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.#values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {}
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
  }
}

/** A constant-1 series whose labels are read on scrape (`<name>{version="…"} 1`), like Prometheus `*_info`. */
export class InfoGauge {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => Labels,
  ) {}
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name}${labelText(this.read())} 1`,
    ].join('\n');
  }
}

export class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.#counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.#sum += value;
    this.#count += 1;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.#counts[i] = (this.#counts[i] as number) + 1;
    });
  }
  get count(): number {
    return this.#count;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => {
      lines.push(`${this.name}_bucket{le="${le}"} ${this.#counts[i]}`);
    });
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    );
    return lines.join('\n');
  }
}

const MS_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const LAG_BUCKETS_S = [0.1, 0.5, 1, 5, 15, 60, 300, 3600, 86400];

export interface AgentGauges {
  backlog(): number;
  outboxSize(): number;
  oldestUnackedAgeS(): number;
  intakePaused(): number;
  diskFreeBytes(): number;
  uptimeS(): number;
  /** 1 while results go out but the hub's acks stopped (agent/sync/ack-watch.ts). */
  acksStalled?(): number;
  /** The model files are scored with now. */
  model(): { version: string; runtime: string };
}

/** The agent's metric set; `render()` is the body of GET /metrics. */
export function createAgentMetrics(gauges: AgentGauges) {
  const metrics = {
    filesSeen: new Counter('cxr_agent_files_seen_total', 'Complete candidate files taken from watch folders'),
    filesScored: new Counter('cxr_agent_files_scored_total', 'Images scored and committed to the outbox'),
    filesQuarantined: new Counter('cxr_agent_files_quarantined_total', 'Files quarantined, by error code'),
    filesDuplicate: new Counter('cxr_agent_files_duplicate_total', 'Files whose content was already handled'),
    stageErrors: new Counter('cxr_agent_stage_errors_total', 'Internal failures retried with backoff, by code'),
    resultsPublished: new Counter('cxr_agent_results_published_total', 'Result publishes (incl. re-sends)'),
    resultsAcked: new Counter('cxr_agent_results_acked_total', 'Results acked by the hub, by ack status'),
    publishErrors: new Counter('cxr_agent_publish_errors_total', 'Result publishes that failed or the broker refused'),
    modelUpdates: new Counter(
      'cxr_agent_model_updates_total',
      'Model take-ups by outcome (active = switched, failed, rolled-back)',
    ),
    inferenceMs: new Histogram('cxr_agent_inference_ms', 'Model inference time per batch, ms', MS_BUCKETS),
    batchSize: new Histogram('cxr_agent_inference_batch_size', 'Images per inference batch', [1, 2, 4, 8, 16, 32, 64]),
    endToEndMs: new Histogram('cxr_agent_end_to_end_ms', 'File complete to outbox commit, ms', MS_BUCKETS),
    syncLagS: new Histogram('cxr_agent_sync_lag_seconds', 'Outbox commit to hub ack, seconds', LAG_BUCKETS_S),
    gauges: [
      new Gauge('cxr_agent_backlog', 'Files waiting in the intake queue', gauges.backlog),
      new Gauge('cxr_agent_outbox_size', 'Results not yet acked by the hub', gauges.outboxSize),
      new Gauge(
        'cxr_agent_oldest_unacked_seconds',
        'Age of the oldest unacked result (sync lag)',
        gauges.oldestUnackedAgeS,
      ),
      new Gauge('cxr_agent_intake_paused', '1 while intake is paused by the disk watermark', gauges.intakePaused),
      new Gauge('cxr_agent_disk_free_bytes', 'Free bytes on the data disk', gauges.diskFreeBytes),
      new Gauge('cxr_agent_uptime_seconds', 'Seconds since start', gauges.uptimeS),
      new Gauge(
        'cxr_agent_acks_stalled',
        '1 while published results wait longer than mqtt.ackAlertMs for the hub ack',
        gauges.acksStalled ?? (() => 0),
      ),
      new InfoGauge('cxr_agent_model_info', 'The model files are scored with now', gauges.model),
    ],
    render(): string {
      const series = [
        metrics.filesSeen,
        metrics.filesScored,
        metrics.filesQuarantined,
        metrics.filesDuplicate,
        metrics.stageErrors,
        metrics.resultsPublished,
        metrics.resultsAcked,
        metrics.publishErrors,
        metrics.modelUpdates,
        metrics.inferenceMs,
        metrics.batchSize,
        metrics.endToEndMs,
        metrics.syncLagS,
        ...metrics.gauges,
      ];
      return `${series.map((s) => s.render()).join('\n')}\n`;
    },
  };
  return metrics;
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
