/**
 * A complete file as intake hands it to the pipeline (agent/intake/workers.ts → agent/pipeline/compose.ts), and
 * the facts the store keeps about it (pure).
 */
import type { FileFacts } from '../store/agent-store.ts';

export interface ArrivedFile {
  path: string;
  /** The watch folder root it came from. */
  root: string;
  policy: 'leave' | 'move';
  sizeBytes: number;
  mtimeMs: number;
  receivedAt: Date;
  /** When intake confirmed the file complete, on the `performance.now()` clock (stage timings start here). */
  completeAt: number;
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
