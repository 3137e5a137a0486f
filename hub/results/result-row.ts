/**
 * Pure mapping between a protocol ResultMessage and a `results` row, and the worklist rank.
 * rank = 9 - (number of flagged classes, at most 9): flagged studies first, more findings earlier.
 */
import type { ResultMessage } from '../../protocol/messages.ts';

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
}

export interface StoredBlobs {
  preview?: { sha256: string; mime: string };
  heatmap?: { sha256: string; mime: string };
}

export function rankFor(flagCount: number): number {
  return 9 - Math.min(flagCount, 9);
}

export function resultRow(message: ResultMessage, blobs: StoredBlobs, ingestedAt: Date): ResultRow {
  const probabilities = Object.values(message.probabilities);
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
    rank: rankFor(message.flags.length),
    flagged: message.flags.length > 0 ? 1 : 0,
    max_probability: probabilities.length > 0 ? Math.max(...probabilities) : 0,
    classes: JSON.stringify(message.classes),
    probabilities: JSON.stringify(message.probabilities),
    flags: JSON.stringify(message.flags),
    timings: JSON.stringify(message.timingsMs),
    image: JSON.stringify(message.image),
    preview_sha256: blobs.preview?.sha256 ?? null,
    preview_mime: blobs.preview?.mime ?? null,
    heatmap_sha256: blobs.heatmap?.sha256 ?? null,
    heatmap_mime: blobs.heatmap?.mime ?? null,
  };
}

/** The worklist/detail view of a stored row (no keys but the pseudonymous study key). */
export interface StudySummary {
  resultId: string;
  site: string;
  agent: string;
  studyKey: string | null;
  scoredAt: string;
  receivedAt: string;
  ingestedAt: string;
  modelName: string;
  modelVersion: string;
  runtime: string;
  flags: string[];
  classes: string[];
  probabilities: Record<string, number>;
  maxProbability: number;
  priority: number;
  status: 'unread' | 'reviewed';
  hasPreview: boolean;
  hasHeatmap: boolean;
}

export function summaryOf(row: ResultRow & { status: string }): StudySummary {
  return {
    resultId: row.result_id,
    site: row.site,
    agent: row.agent,
    studyKey: row.study_key,
    scoredAt: row.scored_at,
    receivedAt: row.received_at,
    ingestedAt: row.ingested_at,
    modelName: row.model_name,
    modelVersion: row.model_version,
    runtime: row.runtime,
    flags: JSON.parse(row.flags),
    classes: JSON.parse(row.classes),
    probabilities: JSON.parse(row.probabilities),
    maxProbability: row.max_probability,
    priority: 9 - row.rank,
    status: row.status === 'reviewed' ? 'reviewed' : 'unread',
    hasPreview: row.preview_sha256 !== null,
    hasHeatmap: row.heatmap_sha256 !== null,
  };
}
