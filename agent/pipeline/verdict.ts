/**
 * What becomes of a file. Stages return a Verdict when they decide a file's fate (a duplicate, a bad file, a
 * scored result); only the commit stage (stages/commit.ts) records one. `retry` (an unfinished file: look again)
 * and `gone` (the file vanished) are not recorded. Out, to the intake workers: the Outcome.
 */
import type { ResultMessage } from '../../protocol/messages.ts';
import type { DiagnosticImage } from '../../protocol/pixel-messages.ts';
import type { ArrivedFile } from '../intake/arrived-file.ts';

/** A file's bytes and its content hash, as read once (stages/read.ts). */
export interface SourceFile {
  file: ArrivedFile;
  bytes: Uint8Array;
  sha256: string;
  /** The first 16 hex digits of the pseudonymous image key: the only handle on the file that logs carry. */
  logKey: string;
}

export interface ScoredVerdict {
  kind: 'scored';
  source: SourceFile;
  result: ResultMessage;
  /** The lossless PNG for upload (pixel policy `diagnostic`), queued in the same transaction as the result. */
  diagnostic?: { image: DiagnosticImage; png: Uint8Array };
}

export interface DuplicateVerdict {
  kind: 'duplicate';
  file: ArrivedFile;
  sha256: string;
}

export interface QuarantineVerdict {
  kind: 'quarantined';
  file: ArrivedFile;
  /** Content sha256, or for a file refused unread the key admission.ts derives from its path, size and mtime. */
  key: string;
  code: string;
  message: string;
  /** Set for a file read and judged; absent for one refused unread (admission.ts). */
  logKey?: string;
}

export type Verdict =
  | ScoredVerdict
  | DuplicateVerdict
  | QuarantineVerdict
  | { kind: 'retry'; code: string }
  | { kind: 'gone' };

export type Outcome =
  | { kind: 'scored'; resultId: string; endToEndMs: number }
  | { kind: 'duplicate' }
  | { kind: 'quarantined'; code: string }
  | { kind: 'retry'; code: string }
  | { kind: 'gone' };

/** Stage outputs carry no `kind`; verdicts always do. */
export function isVerdict<T extends object>(value: T | Verdict): value is Verdict {
  return 'kind' in value;
}

export function quarantine(source: SourceFile, code: string, message: string): QuarantineVerdict {
  return { kind: 'quarantined', file: source.file, key: source.sha256, code, message, logKey: source.logKey };
}
