/**
 * Delivers the reports the hub sent (agent/store/report-store.ts) to the clinic: for each pending (resultId,
 * version) it looks up the patient and study locally (identity-store.ts; never from the hub), writes the PDF /
 * JSON / SR files into the results folder (report-files.ts) and, when a PACS is configured, sends it the SR and a
 * Secondary Capture (pacs-sender.ts). Each step is recorded when it succeeds; a failing step is retried with
 * exponential backoff (folder unwritable, PACS down), and the next pending report is not held up by it.
 * `receive` is the sink for `report` messages (agent/sync/handle-report.ts): it stores the report (the hub is
 * acked after that) and wakes the loop.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { ClinicReport } from '../../protocol/messages.ts';
import type { IdentityStore, StoredIdentity } from '../store/identity-store.ts';
import type { ReportStore, StoredReport } from '../store/report-store.ts';
import { type BackoffPolicy, backoffMs } from '../sync/backoff.ts';
import { filmWithEvidence } from './film-overlay.ts';
import { type PacsTarget, sendToPacs } from './pacs-sender.ts';
import { type OutputSwitches, writeReportFiles } from './report-files.ts';
import { type ReportView, reportView } from './report-view.ts';
import { writeSecondaryCapture } from './write-secondary-capture.ts';
import { canWriteSr, writeReportSr } from './write-sr.ts';

export interface DelivererDeps {
  reports: ReportStore;
  identities: IdentityStore;
  resultsDir: string;
  outputs: OutputSwitches;
  siteName: string;
  pacs?: PacsTarget & { sendSr: boolean; sendSecondaryCapture: boolean };
  retry: BackoffPolicy;
  log: Logger;
  now(): number;
  /** Tells the clinic page a report arrived or was delivered. */
  changed?(): void;
}

export class ReportDeliverer {
  readonly #deps: DelivererDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(deps: DelivererDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.kick();
  }

  /** Stores a report from the hub; the hub is acked once this returns. */
  receive(report: ClinicReport): 'stored' | 'duplicate' {
    const outcome = this.#deps.reports.receive(report, this.#deps.now());
    if (outcome === 'stored') {
      this.#deps.log.info({ result: report.resultId.slice(0, 16), version: report.version }, 'report received');
      this.#deps.changed?.();
      this.kick();
    }
    return outcome;
  }

  /** Runs a delivery pass now (or right after the one in progress). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else this.#schedule();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#closed) return;
    const next = this.#deps.reports.due(Number.MAX_SAFE_INTEGER, 1)[0];
    if (!next) return;
    this.#timer = setTimeout(() => this.kick(), 5_000);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    for (const stored of this.#deps.reports.due(this.#deps.now(), 50)) {
      if (this.#closed) return;
      await this.#deliver(stored);
    }
  }

  async #deliver(stored: StoredReport): Promise<void> {
    const { report } = stored;
    const log = this.#deps.log.child({ result: report.resultId.slice(0, 16), version: report.version });
    const identity = this.#deps.identities.get(report.resultId) ?? this.#deps.identities.byImageKey(report.keys.image);
    if (!identity) log.warn('report for a result this agent has no identity for; written without the patient');
    const versions = this.#deps.reports.forResult(report.resultId).map((r) => r.report);
    const view = reportView(report.resultId, identity, versions, report.version);
    try {
      const images = await this.#images(identity);
      if (stored.filesAt === undefined) {
        await writeReportFiles({
          dir: this.#deps.resultsDir,
          outputs: this.#deps.outputs,
          view,
          identity: identity?.identity,
          signedAt: new Date(report.signedAt),
          siteName: this.#deps.siteName,
          ...images,
          madeAt: new Date(this.#deps.now()),
        });
        this.#deps.reports.filesWritten(report, this.#deps.now());
        log.info('report files written');
      }
      if (stored.pacsAt === undefined) {
        await this.#sendToPacs(view, identity, new Date(report.signedAt), images);
        this.#deps.reports.sentToPacs(report, this.#deps.now());
      }
      this.#deps.changed?.();
    } catch (thrown) {
      const error = asCxrError(thrown, 'CXR_ERR_AGENT_REPORT_DELIVERY_FAILED');
      const delay = backoffMs(stored.attempts, this.#deps.retry);
      this.#deps.reports.failed(report, `${error.code}: ${error.message}`, this.#deps.now() + delay);
      log.warn({ code: error.code, err: error.message, retryInMs: delay }, 'report delivery failed; will retry');
    }
  }

  async #images(identity: StoredIdentity | undefined) {
    const preview = identity?.hasPreview ? this.#deps.identities.preview(identity.resultId) : undefined;
    if (!preview || !identity) return {};
    const evidence = await filmWithEvidence(preview, identity.activation, identity.summary.probabilities);
    return { preview, ...(evidence ? { evidence } : {}) };
  }

  async #sendToPacs(
    view: ReportView,
    identity: StoredIdentity | undefined,
    signedAt: Date,
    images: { preview?: Buffer; evidence?: { jpeg: Buffer } },
  ): Promise<void> {
    const pacs = this.#deps.pacs;
    if (!pacs) return;
    if (!canWriteSr(identity?.identity)) {
      this.#deps.log.info('not sent to the PACS: the image came without DICOM study and instance UIDs');
      return;
    }
    const objects: Buffer[] = [];
    if (pacs.sendSr)
      objects.push(writeReportSr({ view, identity: identity.identity, signedAt, institution: this.#deps.siteName }));
    const film = images.evidence?.jpeg ?? images.preview;
    if (pacs.sendSecondaryCapture && film) {
      objects.push(
        await writeSecondaryCapture({
          view,
          identity: identity.identity,
          film,
          madeAt: signedAt,
          institution: this.#deps.siteName,
        }),
      );
    }
    if (objects.length > 0) await sendToPacs(pacs, objects);
  }
}
