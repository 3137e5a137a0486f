/**
 * The triage a stored result carries (pure). In: a protocol ResultMessage. Out: its triage — the agent's,
 * computed with the model's own class roles and operating points (models/triage) — or, for a message from an
 * agent older than the triage policy, one read from that agent's own flags with the legacy class roles: the
 * class named "Normal" is not a finding; a finding flagged by the agent is called; no flagged finding and
 * "Normal" flagged is likely normal; otherwise indeterminate. Such a result can be abnormal but never urgent
 * (the hub does not know the model's urgent operating points).
 */
import { LEGACY_NORMAL_CLASS } from '../../models/triage/class-roles.ts';
import { TIER_ORDER, type Tier } from '../../models/triage/triage-policy.ts';
import type { ResultMessage, TriageMessage } from '../../protocol/messages.ts';

export function triageOfMessage(message: ResultMessage): TriageMessage {
  if (message.triage) return message.triage;
  const normalClass = message.classes.includes(LEGACY_NORMAL_CLASS) ? LEGACY_NORMAL_CLASS : undefined;
  const findingClasses = message.classes.filter((c) => c !== normalClass);
  const p = (c: string) => message.probabilities[c] ?? 0;
  const findings = findingClasses.filter((c) => message.flags.includes(c)).sort((a, b) => p(b) - p(a));
  const normalConfident = normalClass === undefined || message.flags.includes(normalClass);
  const tier: Tier = findings.length > 0 ? 'abnormal' : normalConfident ? 'likely-normal' : 'indeterminate';
  return {
    tier,
    score: findingClasses.reduce((max, c) => Math.max(max, p(c)), 0),
    findings,
    urgentFindings: [],
    findingClasses: findingClasses.length > 0 ? findingClasses : [...message.classes],
    ...(normalClass ? { normalClass } : {}),
    operatingPoints: {},
  };
}

/** `score_key`: "highest score first" as an ascending integer (1e-6 resolution) for the keyset index. */
export function scoreKey(score: number): number {
  return 1_000_000 - Math.round(Math.min(1, Math.max(0, score)) * 1_000_000);
}

export function tierRank(tier: Tier): number {
  return TIER_ORDER[tier];
}
