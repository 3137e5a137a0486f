/**
 * A signed read as the report that goes back to the clinic (pure; protocol ClinicReport, docs/clinic.md): the
 * decisions and impression, who signed it and when, the version (an addendum's text is marked as such), and the
 * AI triage the reader saw. No PHI: the study is named by its result id and pseudonymous keys; the agent puts the
 * patient's name back at the clinic.
 */
import type { ClinicReport } from '../../protocol/messages.ts';
import type { SignedStudy, StoredRead } from './reads-store.ts';

export function clinicReportOf(read: StoredRead, study: SignedStudy): ClinicReport {
  return {
    v: 1,
    resultId: study.resultId,
    site: study.site,
    agent: study.agent,
    keys: { image: study.imageKey, ...(study.studyKey ? { study: study.studyKey } : {}) },
    version: read.version,
    reader: read.reader,
    signedAt: read.signedAt,
    findings: read.decisions,
    impression: read.impression,
    ...(read.version > 1 ? { addendum: read.impression } : {}),
    triage: {
      tier: study.tier,
      score: Math.min(1, Math.max(0, study.score)),
      probabilities: Object.fromEntries(
        Object.entries(study.probabilities).map(([c, p]) => [c, Math.min(1, Math.max(0, p))]),
      ),
    },
    model: { name: study.modelName, version: study.modelVersion },
  };
}
