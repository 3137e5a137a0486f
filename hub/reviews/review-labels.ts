/**
 * Pure: a radiologist's per-class decisions → the final label per class. `confirm` keeps the AI's
 * call (flagged = present), `override` flips it; a class left out counts as confirmed.
 */
export type Decision = 'confirm' | 'override';

export interface ClassLabel {
  class: string;
  aiFlag: boolean;
  decision: Decision;
  label: boolean;
}

export function labelsFor(
  classes: readonly string[],
  flags: readonly string[],
  decisions: Record<string, Decision>,
): ClassLabel[] {
  return classes.map((cls) => {
    const aiFlag = flags.includes(cls);
    const decision = decisions[cls] ?? 'confirm';
    return { class: cls, aiFlag, decision, label: decision === 'confirm' ? aiFlag : !aiFlag };
  });
}

export interface AgreementCounts {
  class: string;
  reviewed: number;
  agree: number;
  /** AI flagged, radiologist says present. */
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
}

export function agreementRate(counts: AgreementCounts): number | null {
  return counts.reviewed === 0 ? null : counts.agree / counts.reviewed;
}
