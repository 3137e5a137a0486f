/** Drift per site (/api/drift*; docs/hub.md#drift): the stored states for the banner and the fine-tune action. */
import { call } from './http.ts';
import type { TrainingJob } from './training-api.ts';

export type DriftReason = 'agreement' | 'score-distribution' | 'refused-inputs';

export interface SiteDriftState {
  site: string;
  drifting: boolean;
  week: string;
  reasons: DriftReason[];
  figures: { agreement: number | null; psi: number | null; refusedRate: number | null };
  since: string;
}

export const driftStates = async () => (await call<{ sites: SiteDriftState[] }>('GET', '/api/drift/state')).sites;
export const fineTuneSite = (site: string) =>
  call<TrainingJob>('POST', `/api/drift/${encodeURIComponent(site)}/fine-tune`, {});
