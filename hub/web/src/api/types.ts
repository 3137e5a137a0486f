/**
 * The hub API's response shapes as the dashboard reads them (docs/hub.md#api). The server's response schemas
 * filter what is sent; these types mirror them for the compiler.
 */
export type Tier = 'urgent' | 'abnormal' | 'indeterminate' | 'likely-normal';
export const TIERS: readonly Tier[] = ['urgent', 'abnormal', 'indeterminate', 'likely-normal'];
export type Decision = 'present' | 'absent';
export type WorklistSort = 'triage' | 'oldest' | 'newest' | 'score';

export interface SessionBody {
  user: { username: string; role: 'radiologist' | 'admin' };
  csrf: string;
  settings: { activationDefault: 'on' | 'off'; claimTimeoutS: number };
}

export interface ClaimBody {
  by: string;
  at: string;
  expiresAt: string;
}

export interface WorklistItemBody {
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
  /** Acquisition time when the file said, else when the agent first saw it: waiting runs from here. */
  arrivedAt: string;
  acquired: boolean;
  scoredAt: string;
  status: 'unread' | 'reviewed';
  signedAt: string | null;
  turnaroundS: number | null;
  claim: ClaimBody | null;
  modelName: string;
  modelVersion: string;
}

export interface WorklistPageBody {
  items: WorklistItemBody[];
  nextCursor: string | null;
}

export interface ReadBody {
  version: number;
  reader: string;
  signedAt: string;
  decisions: Record<string, Decision>;
  impression: string;
  agreedWithAi: boolean;
}

export interface ActivationBody {
  width: number;
  height: number;
  maps: Record<string, string>;
}

export interface StudyBody extends WorklistItemBody {
  receivedAt: string;
  ingestedAt: string;
  runtime: string;
  operatingPoints: Record<string, { threshold: number; urgentThreshold?: number }>;
  image: {
    format: string;
    modality?: string;
    viewPosition?: string;
    rows: number;
    cols: number;
    bodyPart?: string;
    projection?: string;
    portable?: boolean;
    ageBand?: string;
    sex?: string;
    acquiredDaysAgo?: number;
    pixelSpacingMm?: number[];
    spacingSource?: string;
  };
  deid: { pixels: string; reason?: string; burnedInAnnotation?: string; masked: number; keptMarkers: number } | null;
  timingsMs: Record<string, number>;
  hasPreview: boolean;
  activation: ActivationBody | null;
  reads: ReadBody[];
  history: Array<{ at: string; actor: string; action: string }>;
}

export interface AuditEntryBody {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  source: string | null;
  before: unknown;
  after: unknown;
}
