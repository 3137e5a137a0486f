/**
 * Pure rules for "is this file a candidate, and is it complete yet?" (ARCHITECTURE.md, chokidar row: a watcher's
 * "write finished" fires early when a writer pauses, so we check ourselves).
 * - Names: dotfiles, `.part`/`.tmp`/`.crdownload`/`.partial`/`~` and our own `.error.json` are never candidates.
 * - Stability: same size and mtime across two looks at least `stableMs` apart (an empty file too: admission.ts
 *   then quarantines it once the grace below has passed, instead of looking at it forever).
 * - A DICOM that parses as truncated is retried while it keeps changing or is younger than the grace period.
 */

export interface Observation {
  sizeBytes: number;
  mtimeMs: number;
  /** When we looked (agent clock). */
  atMs: number;
}

const IN_PROGRESS = /(\.part|\.tmp|\.temp|\.crdownload|\.partial|\.filepart|\.swp|~)$/i;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Compiles the folder's include globs into a basename predicate. */
export function candidateFilter(include: readonly string[]): (basename: string) => boolean {
  const patterns = include.map(globToRegExp);
  return (basename) => {
    if (basename.startsWith('.') || IN_PROGRESS.test(basename) || basename.endsWith('.error.json')) return false;
    return patterns.some((p) => p.test(basename));
  };
}

/** Not complete yet: look again in `recheckInMs`, comparing against `since` (the first look at this state). */
export type Stability = { complete: true } | { complete: false; recheckInMs: number; since: Observation };

/**
 * `previous` is the first look at the file's current size/mtime (undefined: never looked); `current` is the
 * look just taken. Carrying the FIRST look of a state forward (not the latest) makes the wait converge.
 */
export function checkStable(previous: Observation | undefined, current: Observation, stableMs: number): Stability {
  const unchanged =
    previous !== undefined && previous.sizeBytes === current.sizeBytes && previous.mtimeMs === current.mtimeMs;
  if (!unchanged) return { complete: false, recheckInMs: stableMs, since: current };
  const waited = current.atMs - previous.atMs;
  return waited >= stableMs ? { complete: true } : { complete: false, recheckInMs: stableMs - waited, since: previous };
}

/** Codes that may mean "the writer has not finished" rather than "the file is bad". */
export const MAYBE_INCOMPLETE_CODES: ReadonlySet<string> = new Set([
  'CXR_ERR_DICOM_TRUNCATED',
  'CXR_ERR_EMPTY_FILE',
  'CXR_ERR_DECODE_FAILED',
  'CXR_ERR_DICOM_NO_PIXEL_DATA',
]);

/** After a read failure: retry later (maybe still being written) or quarantine now. */
export function retryIncomplete(code: string, mtimeMs: number, nowMs: number, graceMs: number): boolean {
  return MAYBE_INCOMPLETE_CODES.has(code) && nowMs - mtimeMs < graceMs;
}
