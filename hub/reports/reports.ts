/**
 * The reports feature: hub → clinic delivery of signed reads (docs/clinic.md). `enqueueReport` is what the
 * reviews feature calls when a read is signed or an addendum added: the report is validated against the
 * protocol schema (a programmer error throws CXR_ERR_PROTOCOL_INVALID), committed to the outbox
 * (report-outbox-store.ts) and published at once on `cxr/v1/<site>/<agent>/report` (QoS 1). Until the agent
 * acks it on `report/ack`, it is published again: at hub start and on every broker reconnect (when a broker
 * may have lost it), and on a timer with a growing wait per report (`resendIntervalMs` × 2^(sends − 1), at most
 * six hours), so an agent offline for days does not find hundreds of copies queued for it. The agent stores a report idempotently by
 * (resultId, version), so a re-send is harmless. No PHI: the report names the result by its id and image key.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { ClinicReport } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubDb } from '../db/database.ts';
import { createReportOutboxStore, type ReportOutboxStore } from './report-outbox-store.ts';

const MAX_RESEND_WAIT_MS = 6 * 3_600_000;

/** How long after its last send a report still unacked is sent again by the timer (pure). */
export function resendWaitMs(sentCount: number, intervalMs: number): number {
  return Math.min(MAX_RESEND_WAIT_MS, intervalMs * 2 ** Math.min(Math.max(sentCount - 1, 0), 20));
}

export type PublishReport = (address: AgentAddress, report: ClinicReport) => void;

export interface Reports {
  outbox: ReportOutboxStore;
  enqueueReport(report: ClinicReport): Promise<void>;
  /** Handler for `report/ack` (one per message type, like hub/results' handlers). */
  handleAck(address: AgentAddress, payload: Buffer): Promise<void>;
  /** Publishes every pending report (hub start, broker reconnect), or those not sent within the interval. */
  resend(options?: { onlyDue?: boolean }): Promise<number>;
  /** Hands over the MQTT publisher; until then reports only wait in the outbox. */
  setPublisher(publish: PublishReport): void;
  startTimer(): void;
  close(): Promise<void>;
}

export function createReports(deps: { db: HubDb; now(): Date; log: Logger; resendIntervalMs: number }): Reports {
  const outbox = createReportOutboxStore(deps.db);
  const { log } = deps;
  let publish: PublishReport | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resending: Promise<number> | undefined;

  const send = async (report: ClinicReport) => {
    if (!publish) return false;
    publish({ site: report.site, agent: report.agent }, report);
    await outbox.markSent(report.resultId, report.version, deps.now().getTime());
    return true;
  };

  const resend = async ({ onlyDue = false } = {}) => {
    if (!publish) return 0;
    const nowMs = deps.now().getTime();
    const pending = await outbox.pending(onlyDue ? nowMs - deps.resendIntervalMs : undefined);
    const due = onlyDue
      ? pending.filter((p) => nowMs - (p.lastSentMs ?? 0) >= resendWaitMs(p.sentCount, deps.resendIntervalMs))
      : pending;
    for (const { report } of due) await send(report);
    if (due.length > 0) log.info({ reports: due.length }, 'reports sent again (not yet acked by their agents)');
    return due.length;
  };

  return {
    outbox,
    async enqueueReport(report) {
      if (!decoders.report.check(report as unknown)) {
        throw new CxrError('CXR_ERR_PROTOCOL_INVALID', 'a report does not match the protocol schema', {
          kind: 'internal',
        });
      }
      const added = await outbox.enqueue(report, deps.now().getTime());
      if (!added) return;
      log.info({ site: report.site, agent: report.agent, version: report.version }, 'report queued for the clinic');
      await send(report);
    },
    async handleAck(address, payload) {
      let ack: ReturnType<typeof decoders.reportAck.decode>;
      try {
        ack = decoders.reportAck.decode(payload);
      } catch (thrown) {
        const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
        log.warn({ ...address, code: error.code, err: error.message }, 'dropped an invalid report/ack');
        return;
      }
      if (ack.status === 'rejected') {
        const known = await outbox.rejected(ack.resultId, ack.version, address.site, address.agent, ack.reason ?? '');
        if (known)
          log.error({ ...address, code: 'CXR_ERR_HUB_REPORT_REJECTED', reason: ack.reason }, 'agent refused a report');
        return;
      }
      // Only the agent the report was for can clear it (the row's site/agent must match the topic's).
      await outbox.acked(ack.resultId, ack.version, address.site, address.agent);
    },
    resend(options) {
      resending ??= resend(options).finally(() => {
        resending = undefined;
      });
      return resending;
    },
    setPublisher(next) {
      publish = next;
    },
    startTimer() {
      timer = setInterval(() => {
        void this.resend({ onlyDue: true }).catch((thrown) => {
          const error = asCxrError(thrown);
          log.error({ code: error.code, err: error.message }, 'report re-send failed; will try again');
        });
      }, deps.resendIntervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await resending;
    },
  };
}
