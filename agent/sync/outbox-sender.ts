/**
 * Sync stage. In: outbox rows (validated ResultMessage JSON). Out: QoS 1 publishes to
 * `cxr/v1/<site>/<agent>/result`. A row is deleted only when the hub's application-level AckMessage arrives
 * (a PUBACK only proves the broker has it: ARCHITECTURE.md "Delivery"). Unacked rows are re-sent with
 * exponential backoff; at most `maxInFlight` wait for an ack at once. While the link is down nothing is
 * published (mqtt.js's offline queue is memory only); when it returns every row is due at once.
 * A broker that takes publishes but lets no ack come back (an ACL that denies the result topic, a hub that is
 * down) is noticed by the AckWatch: one error log line with `alert: "acks-stalled"`, the
 * `cxr_agent_acks_stalled` gauge and `acksStalled` in the status, and one line when acks are back.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { AckMessage } from '../../protocol/messages.ts';
import type { AgentMetrics } from '../http/metrics.ts';
import type { AgentStore } from '../store/agent-store.ts';
import type { AckWatch, AckWatchChange } from './ack-watch.ts';
import { type BackoffPolicy, backoffMs } from './backoff.ts';

export interface SenderDeps {
  store: AgentStore;
  client: MqttClient;
  topic: string;
  policy: BackoffPolicy;
  maxInFlight: number;
  metrics: AgentMetrics;
  log: Logger;
  now(): number;
  random?: () => number;
  /** Watches for acks that stop while publishes go out; `alerted` is told when the state changes. */
  ackWatch: AckWatch;
  alerted?(change: AckWatchChange): void;
}

export class OutboxSender {
  /** resultId → when it is due again if no ack comes. */
  readonly #awaiting = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(readonly deps: SenderDeps) {}

  start(): void {
    this.deps.client.on('connect', () => this.onLinkUp());
    this.deps.client.on('close', () => this.deps.ackWatch.linkDown(this.deps.now()));
    this.#timer = setInterval(() => {
      this.#watchAcks();
      this.kick();
    }, 250);
    this.#timer.unref();
    if (this.deps.client.connected) this.onLinkUp();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  onLinkUp(): void {
    this.deps.ackWatch.linkUp(this.deps.now());
    this.#awaiting.clear();
    this.deps.store.resetBackoff(this.deps.now());
    this.kick();
  }

  /** Publishes whatever is due, up to the in-flight limit. Cheap to call often. */
  kick(): void {
    const { client, store, now } = this.deps;
    if (this.#ticking || !client.connected) return;
    this.#ticking = true;
    try {
      const t = now();
      for (const [id, due] of this.#awaiting) if (due <= t) this.#awaiting.delete(id);
      const capacity = this.deps.maxInFlight - this.#awaiting.size;
      if (capacity <= 0) return;
      for (const row of store.dueOutbox(t, capacity)) {
        const due = t + backoffMs(row.attempts, this.deps.policy, this.deps.random);
        store.markSent(row.id, due);
        this.#awaiting.set(row.resultId, due);
        this.deps.metrics.resultsPublished.inc();
        this.deps.ackWatch.published(row.resultId, t);
        client.publish(this.deps.topic, row.payload, { qos: 1 }, (error) => {
          if (!error) return this.deps.ackWatch.confirmed(row.resultId);
          this.deps.metrics.publishErrors.inc();
          this.deps.log.warn({ resultId: row.resultId, err: error.message }, 'publish failed; will re-send');
        });
      }
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * The hub's ack: stored/duplicate → delete the row; rejected → set it aside (never re-sent). An ack for a result
   * no longer in the outbox (the broker handed the same ack over again, e.g. after losing a node mid-delivery) is
   * logged and otherwise ignored: nothing deleted, nothing counted.
   */
  onAck(ack: AckMessage): void {
    const { store, metrics, now, log } = this.deps;
    this.#awaiting.delete(ack.resultId);
    this.deps.ackWatch.acked(ack.resultId);
    if (ack.status === 'rejected') {
      if (store.reject(ack.resultId, ack.reason ?? 'rejected', now())) {
        metrics.resultsAcked.inc({ status: ack.status });
        log.error({ resultId: ack.resultId, reason: ack.reason }, 'hub rejected a result; kept in the rejected table');
      } else this.#repeated(ack);
    } else {
      const createdAt = store.ack(ack.resultId);
      if (createdAt !== undefined) {
        metrics.resultsAcked.inc({ status: ack.status });
        metrics.syncLagS.observe((now() - createdAt) / 1000);
      } else this.#repeated(ack);
    }
    this.kick();
  }

  #repeated(ack: AckMessage): void {
    this.deps.log.info(
      { resultId: ack.resultId, status: ack.status },
      'ack for a result no longer in the outbox; ignored',
    );
  }

  get inFlight(): number {
    return this.#awaiting.size;
  }

  /** True while published results go unacked by the hub for longer than the watch's limit. */
  get acksStalled(): boolean {
    return this.deps.ackWatch.stalled;
  }

  #watchAcks(): void {
    const change = this.deps.ackWatch.check(this.deps.now());
    if (change === undefined) return;
    if (change.stalled) {
      const { stalled: _, ...details } = change;
      this.deps.log.error(
        { alert: 'acks-stalled', ...details },
        'results go out but the hub does not ack them: is the hub down, or does the broker drop them (ACL)?',
      );
    } else {
      this.deps.log.info({ alert: 'acks-stalled', lastedS: change.lastedS }, 'hub acks are back');
    }
    this.deps.alerted?.(change);
  }
}
