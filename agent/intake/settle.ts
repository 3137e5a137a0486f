/**
 * The end of a file's trip through intake: record the verdict (quarantined files by content hash, so a copy
 * is recognised) and apply the folder's policy (leave, or move to processed/ / quarantine/ + .error.json).
 */
import { CxrError } from '../../models/errors.ts';
import type { AgentStore, FileFacts } from '../store/agent-store.ts';
import { type DispositionTargets, moveInto, quarantineFile } from './disposition.ts';

export interface ArrivedFile {
  path: string;
  /** The watch folder root it came from. */
  root: string;
  policy: 'leave' | 'move';
  sizeBytes: number;
  mtimeMs: number;
  receivedAt: Date;
}

export function factsOf(file: ArrivedFile, sha256: string): FileFacts {
  return {
    sha256,
    path: file.path,
    sizeBytes: file.sizeBytes,
    mtimeMs: file.mtimeMs,
    rememberPath: file.policy === 'leave',
  };
}

export async function settleProcessed(file: ArrivedFile, targets: DispositionTargets): Promise<void> {
  if (file.policy === 'move') await moveInto(file.path, file.root, targets.processedDir).catch(rethrowMove);
}

export async function settleQuarantined(
  file: ArrivedFile,
  sha256: string,
  reason: { code: string; message: string },
  deps: { store: AgentStore; targets: DispositionTargets; now(): number },
): Promise<void> {
  const now = deps.now();
  deps.store.commitQuarantined(factsOf(file, sha256), reason.code, reason.message, now);
  if (file.policy === 'move') {
    await quarantineFile(file.path, file.root, deps.targets, reason, new Date(now)).catch(rethrowMove);
  }
}

function rethrowMove(cause: unknown): never {
  throw new CxrError(
    'CXR_ERR_AGENT_MOVE_FAILED',
    `could not move a handled file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
    {
      kind: 'internal',
      cause,
    },
  );
}
