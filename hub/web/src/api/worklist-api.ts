/** The worklist as the dashboard shows it: API rows → view models (the tier, the findings, waiting, claim). */
import { percent, TIER_LABEL, timeText } from '../ui/format.ts';
import { call } from './http.ts';
import type { Tier, WorklistItemBody, WorklistPageBody } from './types.ts';

export interface WorkItem {
  id: string;
  site: string;
  agent: string;
  tier: Tier;
  tierLabel: string;
  score: number;
  scoreText: string;
  /** Findings the AI called, each with its probability ("Lung Opacity 82%"); never the normal class. */
  findings: Array<{ name: string; percent: string; urgent: boolean }>;
  arrivedAt: string;
  arrivedText: string;
  acquired: boolean;
  status: 'unread' | 'reviewed';
  turnaroundS: number | null;
  claimedBy: string | null;
  model: string;
  studyShort: string;
}

export function toWorkItem(item: WorklistItemBody, nowMs: number = Date.now()): WorkItem {
  const claimLive = item.claim !== null && Date.parse(item.claim.expiresAt) > nowMs;
  return {
    id: item.resultId,
    site: item.site,
    agent: item.agent,
    tier: item.tier,
    tierLabel: TIER_LABEL[item.tier],
    score: item.score,
    scoreText: percent(item.score),
    findings: item.findings.map((name) => ({
      name,
      percent: percent(item.probabilities[name] ?? 0),
      urgent: item.urgentFindings.includes(name),
    })),
    arrivedAt: item.arrivedAt,
    arrivedText: timeText(item.arrivedAt),
    acquired: item.acquired,
    status: item.status,
    turnaroundS: item.turnaroundS,
    claimedBy: claimLive ? (item.claim?.by ?? null) : null,
    model: `${item.modelName} ${item.modelVersion}`,
    studyShort: (item.studyKey ?? item.resultId).slice(0, 10),
  };
}

export async function worklist(
  query: Record<string, string>,
  cursor?: string,
): Promise<{ items: WorkItem[]; nextCursor: string | undefined }> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== '') params.set(key, value);
  if (cursor) params.set('cursor', cursor);
  const page = await call<WorklistPageBody>('GET', `/api/worklist?${params}`);
  const now = Date.now();
  return { items: page.items.map((i) => toWorkItem(i, now)), nextCursor: page.nextCursor ?? undefined };
}
