/**
 * Verify stage: has this content been judged before? In: a SourceFile. Out: nothing (a new image: go on), or
 * the verdict already recorded for the same sha256 — a duplicate of a scored image (never scored twice), or a
 * copy of a quarantined one (quarantined again with the recorded reason).
 */
import type { AgentStore } from '../../store/agent-store.ts';
import { quarantine, type SourceFile, type Verdict } from '../verdict.ts';

export function verify(source: SourceFile, store: Pick<AgentStore, 'knownFile'>): Verdict | undefined {
  const known = store.knownFile(source.sha256);
  if (known?.status === 'scored') return { kind: 'duplicate', file: source.file, sha256: source.sha256 };
  if (known?.status === 'quarantined')
    return quarantine(source, known.errorCode ?? 'CXR_ERR_INTERNAL', known.errorMessage ?? '');
  return undefined;
}
