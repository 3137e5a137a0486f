/**
 * Pure mapping between a protocol ResultMessage and a `results` row (docs/hub.md#triage): the triage (the
 * agent's, or read from an old agent's flags: result-triage.ts), its keyset columns (`tier_rank`, `score_key`,
 * `arrived_ms`: acquisition time when the image says, else receipt), the findings called (`flags`) and the
 * activation grids; and the row → API view.
 */

import type { Tier } from '../../models/triage/triage-policy.ts';
import { isFlagged } from '../../models/triage/triage-policy.ts';
import type { ResultMessage, TriageMessage } from '../../protocol/messages.ts';
import { scoreKey, tierRank, triageOfMessage } from './result-triage.ts';

export interface ResultRow {
  result_id: string;
  site: string;
  agent: string;
  image_key: string;
  study_key: string | null;
  patient_key: string | null;
  received_at: string;
  scored_at: string;
  scored_ms: number;
  ingested_at: string;
  model_name: string;
  model_version: string;
  runtime: string;
  rank: number;
  flagged: number;
  max_probability: number;
  classes: string;
  probabilities: string;
  flags: string;
  timings: string;
  image: string;
  preview_sha256: string | null;
  preview_mime: string | null;
  heatmap_sha256: string | null;
  heatmap_mime: string | null;
  tier: Tier;
  tier_rank: number;
  score: number;
  score_key: number;
  arrived_ms: number;
  acquired: number;
  triage: string;
  activation: string | null;
  deid: string | null;
}

export interface StoredBlobs {
  preview?: { sha256: string; mime: string };
}

/** The part of the triage kept as JSON (tier and score have their own columns). */
export type StoredTriage = Omit<TriageMessage, 'tier' | 'score'>;

export function triageColumns(t: TriageMessage) {
  const { tier, score, ...rest } = t;
  const stored: StoredTriage = rest;
  return {
    tier,
    tier_rank: tierRank(tier),
    score,
    score_key: scoreKey(score),
    triage: JSON.stringify(stored),
    flags: JSON.stringify(t.findings),
    rank: tierRank(tier),
    flagged: isFlagged(tier) ? 1 : 0,
    max_probability: score,
  };
}

export function resultRow(message: ResultMessage, blobs: StoredBlobs, ingestedAt: Date): ResultRow {
  const acquiredMs = message.acquiredAt === undefined ? Number.NaN : Date.parse(message.acquiredAt);
  const acquired = Number.isFinite(acquiredMs);
  return {
    result_id: message.resultId,
    site: message.site,
    agent: message.agent,
    image_key: message.keys.image,
    study_key: message.keys.study ?? null,
    patient_key: message.keys.patient ?? null,
    received_at: message.receivedAt,
    scored_at: message.scoredAt,
    scored_ms: Date.parse(message.scoredAt),
    ingested_at: ingestedAt.toISOString(),
    model_name: message.model.name,
    model_version: message.model.version,
    runtime: message.runtime,
    classes: JSON.stringify(message.classes),
    probabilities: JSON.stringify(message.probabilities),
    timings: JSON.stringify(message.timingsMs),
    image: JSON.stringify(message.image),
    preview_sha256: blobs.preview?.sha256 ?? null,
    preview_mime: blobs.preview?.mime ?? null,
    heatmap_sha256: null,
    heatmap_mime: null,
    ...triageColumns(triageOfMessage(message)),
    arrived_ms: acquired ? acquiredMs : Date.parse(message.receivedAt),
    acquired: acquired ? 1 : 0,
    activation: message.activation ? JSON.stringify(message.activation) : null,
    deid: message.deid ? JSON.stringify(message.deid) : null,
  };
}

/** A study as the worklist, a study's detail and the SSE `result` event show it (no keys but the study key). */
export interface StudySummary {
  resultId: string;
  site: string;
  agent: string;
  studyKey: string | null;
  tier: Tier;
  score: number;
  findings: string[];
  urgentFindings: string[];
  findingClasses: string[];
  normalClass: string | null;
  probabilities: Record<string, number>;
  arrivedAt: string;
  acquired: boolean;
  scoredAt: string;
  status: 'unread' | 'reviewed';
  signedAt: string | null;
  turnaroundS: number | null;
  claim: { by: string; at: string; expiresAt: string } | null;
  modelName: string;
  modelVersion: string;
}

export interface SummarySource {
  result_id: string;
  site: string;
  agent: string;
  study_key: string | null;
  tier: Tier;
  score: number;
  triage: string | null;
  probabilities: string;
  classes: string;
  flags: string;
  arrived_ms: number;
  acquired: number;
  scored_at: string;
  status: string;
  signed_ms: number | null;
  model_name: string;
  model_version: string;
}

export function storedTriage(row: Pick<SummarySource, 'triage' | 'classes' | 'flags'>): StoredTriage {
  if (row.triage) return JSON.parse(row.triage) as StoredTriage;
  const classes = JSON.parse(row.classes) as string[];
  return { findings: JSON.parse(row.flags), urgentFindings: [], findingClasses: classes, operatingPoints: {} };
}

export function summaryOf(
  row: SummarySource,
  claim: { holder: string; claimed_at: string; expires_ms: number } | null = null,
): StudySummary {
  const t = storedTriage(row);
  return {
    resultId: row.result_id,
    site: row.site,
    agent: row.agent,
    studyKey: row.study_key,
    tier: row.tier,
    score: row.score,
    findings: t.findings,
    urgentFindings: t.urgentFindings,
    findingClasses: t.findingClasses,
    normalClass: t.normalClass ?? null,
    probabilities: JSON.parse(row.probabilities),
    arrivedAt: new Date(row.arrived_ms).toISOString(),
    acquired: row.acquired === 1,
    scoredAt: row.scored_at,
    status: row.status === 'reviewed' ? 'reviewed' : 'unread',
    signedAt: row.signed_ms === null ? null : new Date(row.signed_ms).toISOString(),
    turnaroundS: row.signed_ms === null ? null : Math.max(0, Math.round((row.signed_ms - row.arrived_ms) / 1000)),
    claim: claim
      ? { by: claim.holder, at: claim.claimed_at, expiresAt: new Date(claim.expires_ms).toISOString() }
      : null,
    modelName: row.model_name,
    modelVersion: row.model_version,
  };
}
