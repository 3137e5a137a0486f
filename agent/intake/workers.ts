/**
 * Intake workers: `concurrency` loops take due paths from the IntakeQueue, confirm the file is complete (size
 * and mtime stable across two looks `stableMs` apart), check from its metadata that it may be read at all
 * (admission.ts: links, empty, too large: a quarantine verdict, recorded unread) and hand it to the pipeline
 * (agent/pipeline/compose.ts), which holds at most `concurrency` files and admits their pixels by memory.
 * Outcomes: done (scored/duplicate/quarantined/gone), look again later (still changing, maybe unfinished), or an
 * internal failure → the same path again after an exponential backoff.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { WatchFolderConfig } from '../config.ts';
import type { AgentMetrics } from '../http/metrics.ts';
import type { Outcome, Verdict } from '../pipeline/verdict.ts';
import { backoffMs } from '../sync/backoff.ts';
import { admissionRefusal, inspectPath, type Refusal, resolveRoots, unreadKey } from './admission.ts';
import type { ArrivedFile } from './arrived-file.ts';
import { checkStable, type Observation, retryIncomplete } from './completeness.ts';
import type { IntakeQueue, QueueItem } from './intake-queue.ts';

export interface WorkerDeps {
  queue: IntakeQueue;
  folders: readonly WatchFolderConfig[];
  concurrency: number;
  screen(file: ArrivedFile): Promise<Outcome>;
  /** Records the verdict on a file refused unread (the pipeline's commit stage). */
  verdicts: { record(verdict: Verdict): Promise<Outcome> };
  /** True while intake is paused (disk watermark). */
  paused(): boolean;
  metrics: Pick<AgentMetrics, 'filesSeen' | 'stageErrors'>;
  log: Logger;
  now(): number;
}

export class IntakeWorkers {
  #closing = false;
  #loops: Promise<void>[] = [];

  constructor(readonly deps: WorkerDeps) {}

  start(): void {
    this.#loops = Array.from({ length: this.deps.concurrency }, () => this.#loop());
  }

  /** Stops taking work and waits for files in flight to finish. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    const { queue } = this.deps;
    while (!this.#closing) {
      if (this.deps.paused()) {
        await queue.wait(500);
        continue;
      }
      const next = queue.take(this.deps.now());
      if (typeof next !== 'object') {
        await queue.wait(Math.min(next ?? 1000, 1000));
        continue;
      }
      await this.#handle(next);
    }
  }

  async #handle(item: QueueItem): Promise<void> {
    const { queue, now } = this.deps;
    const folder = this.deps.folders[item.folder] as WatchFolderConfig;
    const facts = await inspectPath(item.path);
    if (!facts?.info.isFile()) return queue.done(item);
    const { info } = facts;
    const look = { sizeBytes: info.size, mtimeMs: info.mtimeMs, atMs: now() };
    const stability = checkStable(item.observation, look, folder.stableMs);
    if (!stability.complete)
      return queue.requeue({ ...item, observation: stability.since }, now() + stability.recheckInMs);

    this.deps.metrics.filesSeen.inc();
    const file: ArrivedFile = {
      path: item.path,
      root: folder.path,
      policy: folder.policy,
      sizeBytes: info.size,
      mtimeMs: info.mtimeMs,
      receivedAt: new Date(item.firstSeenAt),
      completeAt: performance.now(),
    };
    try {
      const roots = facts.isLink ? await resolveRoots(this.deps.folders.map((f) => f.path)) : [];
      const refusal = admissionRefusal({ sizeBytes: info.size, ...facts }, folder, roots);
      if (refusal) return await this.#refuse(item, file, refusal, look);
      const outcome = await this.deps.screen(file);
      // An unfinished DICOM: look again (a fresh look must confirm stability again).
      if (outcome.kind === 'retry')
        return queue.requeue({ ...item, observation: look }, now() + Math.max(folder.stableMs, 200));
      queue.done(item);
    } catch (thrown) {
      const error = asCxrError(thrown);
      const delay = backoffMs(item.attempts, { initialMs: 1000, maxMs: 300_000 });
      this.deps.metrics.stageErrors.inc({ code: error.code });
      this.deps.log.error({ code: error.code, err: error.message, retryInMs: delay }, 'screening failed; will retry');
      queue.requeue({ ...item, observation: look, attempts: item.attempts + 1 }, now() + delay);
    }
  }

  /** Quarantines a file without reading it; an empty one only once its writer has had the grace period. */
  async #refuse(item: QueueItem, file: ArrivedFile, refusal: Refusal, look: Observation): Promise<void> {
    const { queue, now } = this.deps;
    const folder = this.deps.folders[item.folder] as WatchFolderConfig;
    const graceMs = folder.incompleteGraceMs;
    if (refusal.code === 'CXR_ERR_EMPTY_FILE' && retryIncomplete(refusal.code, file.mtimeMs, now(), graceMs)) {
      const waitMs = Math.max(folder.stableMs, 200, file.mtimeMs + graceMs - now());
      return queue.requeue({ ...item, observation: look }, now() + waitMs);
    }
    const key = unreadKey(refusal, file.path, file.sizeBytes, file.mtimeMs);
    await this.deps.verdicts.record({ kind: 'quarantined', file, key, ...refusal });
    queue.done(item);
  }
}
