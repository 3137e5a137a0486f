/** One study for the viewer (API → view model), its reads, and the claim and read actions. */
import type { ReadProblem } from '../../../reviews/read-rules.ts';
import { percent, TIER_LABEL, timeText } from '../ui/format.ts';
import { call } from './http.ts';
import type { ActivationBody, ClaimBody, Decision, ReadBody, StudyBody, Tier } from './types.ts';

export interface FindingView {
  name: string;
  probability: number;
  percent: string;
  /** The AI called it (at or above its screening operating point). */
  called: boolean;
  urgent: boolean;
  operatingPoint: string;
}

export interface StudyView {
  id: string;
  site: string;
  agent: string;
  tier: Tier;
  tierLabel: string;
  score: number;
  studyShort: string;
  model: string;
  runtime: string;
  arrivedAt: string;
  arrivedText: string;
  acquired: boolean;
  scoredText: string;
  status: 'unread' | 'reviewed';
  image: StudyBody['image'];
  deid: StudyBody['deid'];
  timings: string;
  previewUrl: string | null;
  activation: ActivationBody | null;
  findingClasses: string[];
  normalClass: string | null;
  aiFindings: string[];
  findings: FindingView[];
  normal: { name: string; percent: string } | null;
  reads: ReadBody[];
  claim: ClaimBody | null;
  history: Array<{ at: string; actor: string; action: string }>;
}

export function toStudyView(s: StudyBody): StudyView {
  const op = (name: string) => {
    const point = s.operatingPoints[name];
    if (!point) return '';
    return `called at ≥ ${percent(point.threshold)}${point.urgentThreshold === undefined ? '' : `, urgent at ≥ ${percent(point.urgentThreshold)}`}`;
  };
  return {
    id: s.resultId,
    site: s.site,
    agent: s.agent,
    tier: s.tier,
    tierLabel: TIER_LABEL[s.tier],
    score: s.score,
    studyShort: (s.studyKey ?? s.resultId).slice(0, 12),
    model: `${s.modelName} ${s.modelVersion}`,
    runtime: s.runtime,
    arrivedAt: s.arrivedAt,
    arrivedText: timeText(s.arrivedAt),
    acquired: s.acquired,
    scoredText: timeText(s.scoredAt),
    status: s.status,
    image: s.image,
    deid: s.deid,
    timings: Object.entries(s.timingsMs)
      .map(([stage, ms]) => `${stage} ${Math.round(ms)} ms`)
      .join(' · '),
    previewUrl: s.hasPreview ? `/api/studies/${s.resultId}/preview` : null,
    activation: s.activation,
    findingClasses: s.findingClasses,
    normalClass: s.normalClass,
    aiFindings: s.findings,
    findings: s.findingClasses
      .map((name) => ({
        name,
        probability: s.probabilities[name] ?? 0,
        percent: percent(s.probabilities[name] ?? 0),
        called: s.findings.includes(name),
        urgent: s.urgentFindings.includes(name),
        operatingPoint: op(name),
      }))
      .sort((a, b) => b.probability - a.probability),
    normal:
      s.normalClass === null ? null : { name: s.normalClass, percent: percent(s.probabilities[s.normalClass] ?? 0) },
    reads: s.reads,
    claim: s.claim,
    history: s.history.map((e) => ({ at: timeText(e.at), actor: e.actor, action: e.action })),
  };
}

export async function study(id: string): Promise<StudyView> {
  return toStudyView(await call<StudyBody>('GET', `/api/studies/${id}`));
}

export interface ReadRequest {
  decisions: Record<string, Decision>;
  impression: string;
  normal: boolean;
  agreedWithAi: boolean;
  /** The latest version the reader saw (0 when there was none): signing over a newer one is refused. */
  basedOn: number;
}

export async function signRead(id: string, read: ReadRequest): Promise<ReadBody> {
  return call<ReadBody>('POST', `/api/studies/${id}/reads`, read);
}

export async function claim(id: string, takeOver = false): Promise<ClaimBody> {
  return call<ClaimBody>('POST', `/api/studies/${id}/claim`, { takeOver });
}

export async function releaseClaim(id: string): Promise<void> {
  await call('DELETE', `/api/studies/${id}/claim`);
}

export type { ReadProblem };
