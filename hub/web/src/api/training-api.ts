/** The training queue and site calibrations (/api/training/*), mapped into the Training screen's view models. */
import { call } from './http.ts';

export interface EpochPoint {
  epoch: number;
  loss: number;
  valAuroc: Record<string, number | null>;
}

export interface ModelEvaluation {
  version: string;
  images: number;
  auroc: Record<string, number | null>;
  meanAuroc: number | null;
  ci95: Record<string, [number, number] | null>;
  atThresholds: Record<string, { threshold: number; sensitivity: number | null; specificity: number | null }>;
  ece: Record<string, number>;
}

export interface TrainingJob {
  id: string;
  kind: 'search' | 'fine-tune' | 'recalibrate';
  site: string | null;
  status: string;
  createdBy: string;
  createdAt: string;
  trainer: string | null;
  attempt: number;
  heartbeatAt: string | null;
  progress: { phase?: string; epoch?: number; epochs?: number; loss?: number; etaS?: number; message?: string } | null;
  history: EpochPoint[];
  result: {
    candidate?: string;
    calibrationVersion?: number;
    evaluation?: { candidate: ModelEvaluation; production?: ModelEvaluation };
  } | null;
  error: { code: string; message: string } | null;
}

export interface NewJob {
  kind: TrainingJob['kind'];
  site?: string;
  params?: { epochs?: number; targetSensitivity?: number };
}

export const listJobs = async () => (await call<{ jobs: TrainingJob[] }>('GET', '/api/training/jobs?limit=50')).jobs;
export const getJob = (id: string) => call<TrainingJob>('GET', `/api/training/jobs/${id}`);
export const createJob = (job: NewJob) => call<TrainingJob>('POST', '/api/training/jobs', job);
export const cancelJob = (id: string) => call<TrainingJob>('POST', `/api/training/jobs/${id}/cancel`, {});
export const reportUrl = (version: string) => `/api/training/reports/${encodeURIComponent(version)}`;
