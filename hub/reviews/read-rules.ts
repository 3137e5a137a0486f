/**
 * What makes a read a report (pure; docs/hub.md#reads). Used by the API to refuse a read and by the dashboard
 * to say what is missing before it is sent, so both apply the same rules:
 * - every finding class of the model gets an explicit decision, `present` or `absent` (nothing is implied:
 *   an empty read is incomplete, never "confirm everything");
 * - the normal class is not a finding and takes no decision; a read marked normal has every finding absent;
 * - the impression (free text) is not empty.
 * Problems come back as values with the CXR_ERR_* code the API answers with.
 */
export type Decision = 'present' | 'absent';
export const DECISIONS: readonly Decision[] = ['present', 'absent'];

export interface ReadDraft {
  decisions: Readonly<Record<string, Decision | undefined>>;
  impression: string;
  /** The reader said "normal study". */
  normal?: boolean;
}

export interface ReadProblem {
  code: 'CXR_ERR_HUB_READ_INCOMPLETE' | 'CXR_ERR_HUB_READ_INCONSISTENT' | 'CXR_ERR_HUB_READ_INVALID';
  message: string;
  /** The classes the problem is about (undecided, or present on a normal read). */
  classes: string[];
}

export const IMPRESSION_MAX_CHARS = 4000;

export interface ReadModel {
  findingClasses: readonly string[];
  normalClass: string | null;
}

export function checkRead(model: ReadModel, draft: ReadDraft): ReadProblem | null {
  const decided = Object.entries(draft.decisions).filter(([, d]) => d !== undefined);
  const foreign = decided.map(([name]) => name).filter((name) => !model.findingClasses.includes(name));
  if (foreign.length > 0) {
    const normal = foreign.includes(model.normalClass ?? '\u0000');
    return {
      code: 'CXR_ERR_HUB_READ_INVALID',
      message: normal
        ? `"${model.normalClass}" is not a finding: mark the study normal instead`
        : `not a finding class of this model: ${foreign.join(', ')}`,
      classes: foreign,
    };
  }
  const invalid = decided.filter(([, d]) => !DECISIONS.includes(d as Decision)).map(([name]) => name);
  if (invalid.length > 0) {
    return { code: 'CXR_ERR_HUB_READ_INVALID', message: 'a decision is present or absent', classes: invalid };
  }
  const undecided = model.findingClasses.filter((name) => draft.decisions[name] === undefined);
  if (undecided.length > 0) {
    return {
      code: 'CXR_ERR_HUB_READ_INCOMPLETE',
      message: `decide present or absent for: ${undecided.join(', ')}`,
      classes: undecided,
    };
  }
  const present = model.findingClasses.filter((name) => draft.decisions[name] === 'present');
  if (draft.normal === true && present.length > 0) {
    return {
      code: 'CXR_ERR_HUB_READ_INCONSISTENT',
      message: `a normal read cannot have findings present: ${present.join(', ')}`,
      classes: present,
    };
  }
  if (draft.impression.trim() === '') {
    return { code: 'CXR_ERR_HUB_READ_INCOMPLETE', message: 'write an impression', classes: [] };
  }
  if (draft.impression.length > IMPRESSION_MAX_CHARS) {
    return {
      code: 'CXR_ERR_HUB_READ_INVALID',
      message: `the impression is longer than ${IMPRESSION_MAX_CHARS} characters`,
      classes: [],
    };
  }
  return null;
}

/** "Agree with AI": each finding class present exactly when the AI called it. */
export function aiDecisions(model: ReadModel, aiFindings: readonly string[]): Record<string, Decision> {
  return Object.fromEntries(
    model.findingClasses.map((name) => [name, aiFindings.includes(name) ? 'present' : 'absent']),
  );
}

/** Whether a complete set of decisions says what the AI said. */
export function agreesWithAi(
  model: ReadModel,
  decisions: Readonly<Record<string, Decision | undefined>>,
  aiFindings: readonly string[],
): boolean {
  const ai = aiDecisions(model, aiFindings);
  return model.findingClasses.every((name) => decisions[name] === ai[name]);
}

/** A normal read: every finding absent. */
export function isNormalRead(model: ReadModel, decisions: Readonly<Record<string, Decision | undefined>>): boolean {
  return model.findingClasses.every((name) => decisions[name] === 'absent');
}
