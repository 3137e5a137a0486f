/**
 * Commit stage: the ONE place a file's verdict is recorded. In: a Verdict from any stage (or from intake, for a
 * file refused unread). Out: the Outcome the intake workers act on.
 * - scored: the diagnostic PNG is written durably first; then in one transaction (grouped with other files'
 *   commits: agent/store/group-commit.ts) the clinic's identity row, the upload row, the files row and the
 *   outbox row; then the file is moved to processed/ (policy move) and the senders are woken. An identical copy
 *   committed meanwhile makes it a duplicate.
 * - duplicate: remembered (policy leave) and moved to processed/; never scored again.
 * - quarantined: recorded by content hash (a copy is recognised), moved to quarantine/ with <name>.error.json.
 * Each verdict is logged (pseudonymous image key, never the path; a scored one with `endToEndMs`, file complete →
 * committed) and counted in the agent's metrics. Disk and
 * database errors throw (internal: the intake retries the file with backoff).
 */
import type { Logger } from 'pino';
import { CxrError } from '../../../models/errors.ts';
import type { ResultMessage } from '../../../protocol/messages.ts';
import type { AgentMetrics } from '../../http/metrics.ts';
import { type ArrivedFile, factsOf } from '../../intake/arrived-file.ts';
import { type DispositionTargets, moveInto, quarantineFile } from '../../intake/disposition.ts';
import type { AgentStore } from '../../store/agent-store.ts';
import type { GroupCommit } from '../../store/group-commit.ts';
import type { PixelQueue } from '../../store/pixel-queue.ts';
import type { Outcome, QuarantineVerdict, ScoredVerdict, Verdict } from '../verdict.ts';

export interface CommitDeps {
  store: AgentStore;
  commits: GroupCommit;
  /** The clinic's local record of each scored file (identity, AI summary, preview); PHI stays on the agent. */
  clinic?: { record(result: ResultMessage, source: { bytes: Uint8Array; path: string }): void };
  /** Diagnostic PNGs waiting for upload (pixel policy `diagnostic`). */
  pixelQueue?: Pick<PixelQueue, 'storeImage' | 'add'>;
  targets: DispositionTargets;
  metrics: Pick<AgentMetrics, 'filesScored' | 'endToEndMs' | 'filesDuplicate' | 'filesQuarantined'>;
  log: Logger;
  now(): number;
  /** A result was committed: wake the outbox sender and the uploader. */
  committed(): void;
}

export class VerdictRecorder {
  constructor(readonly deps: CommitDeps) {}

  async record(verdict: Verdict): Promise<Outcome> {
    switch (verdict.kind) {
      case 'scored':
        return this.#scored(verdict);
      case 'duplicate':
        await this.deps.commits.run(() => this.deps.store.rememberPath(factsOf(verdict.file, verdict.sha256)));
        return this.#duplicate(verdict.file);
      case 'quarantined':
        return this.#quarantined(verdict);
      default:
        return verdict;
    }
  }

  async #scored(verdict: ScoredVerdict): Promise<Outcome> {
    const { deps } = this;
    const { source, result, diagnostic } = verdict;
    const now = deps.now();
    if (diagnostic) await deps.pixelQueue?.storeImage(diagnostic.image, diagnostic.png);
    const fresh = await deps.commits.run(() => {
      // Before the outbox row, in the same transaction: a result the hub has is known at the clinic, and a
      // committed result's PNG is always on its way (idempotent by resultId).
      deps.clinic?.record(result, { bytes: source.bytes, path: source.file.path });
      if (diagnostic) deps.pixelQueue?.add(result.resultId, diagnostic.image, now);
      return deps.store.commitScored(factsOf(source.file, source.sha256), result.resultId, JSON.stringify(result), now);
    });
    if (!fresh) return this.#duplicate(source.file); // an identical copy was committed while this one was in flight
    const endToEndMs = performance.now() - source.file.completeAt;
    deps.committed();
    const log = deps.log.child({ image: source.logKey });
    log.info({ resultId: result.resultId, flags: result.flags, ms: result.timingsMs.total, endToEndMs }, 'scored');
    await move(source.file, deps.targets);
    deps.metrics.filesScored.inc();
    deps.metrics.endToEndMs.observe(endToEndMs);
    return { kind: 'scored', resultId: result.resultId, endToEndMs };
  }

  async #duplicate(file: ArrivedFile): Promise<Outcome> {
    await move(file, this.deps.targets);
    this.deps.metrics.filesDuplicate.inc();
    return { kind: 'duplicate' };
  }

  async #quarantined(verdict: QuarantineVerdict): Promise<Outcome> {
    const { deps } = this;
    const { file, code, message } = verdict;
    const now = deps.now();
    await deps.commits.run(() => deps.store.commitQuarantined(factsOf(file, verdict.key), code, message, now));
    if (file.policy === 'move') {
      await quarantineFile(file.path, file.root, deps.targets, { code, message }, new Date(now)).catch(moveFailed);
    }
    if (verdict.logKey) deps.log.child({ image: verdict.logKey }).warn({ code }, 'quarantined');
    else deps.log.warn({ code, sizeBytes: file.sizeBytes }, 'quarantined unread');
    deps.metrics.filesQuarantined.inc({ code });
    return { kind: 'quarantined', code };
  }
}

async function move(file: ArrivedFile, targets: DispositionTargets): Promise<void> {
  if (file.policy === 'move') await moveInto(file.path, file.root, targets.processedDir).catch(moveFailed);
}

function moveFailed(cause: unknown): never {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  throw new CxrError('CXR_ERR_AGENT_MOVE_FAILED', `could not move a handled file (${code})`, {
    kind: 'internal',
    cause,
  });
}
