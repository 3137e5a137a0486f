/**
 * Live shadows (/api/shadows): API → the Models screen's view models, and the admin's actions (start, stop, promote).
 * `toShadowView` is pure: per site and overall, the read films and how many of them production and the candidate
 * agree with, as "agreed/reads (percent)", and which of the two agrees more.
 */
import { percent, timeText } from '../ui/format.ts';
import { call } from './http.ts';
import type { Wave } from './models-api.ts';

interface Rate {
  agreed: number;
  rate: number | null;
}
interface Row {
  films: number;
  reads: number;
  production: Rate;
  candidate: Rate;
}

export interface ShadowBody {
  id: string;
  version: string;
  sites: string[];
  status: 'running' | 'stopped' | 'promoted';
  minReads: number;
  createdBy: string;
  createdAt: string;
  endedBy: string | null;
  endedAt: string | null;
  endReason: string | null;
  rolloutId: string | null;
  reportUrl: string | null;
  agreement: { overall: Row; sites: (Row & { site: string })[]; productionVersions: string[] };
}

export interface AgreementLine {
  site: string;
  films: number;
  reads: number;
  production: string;
  candidate: string;
  /** Which model agrees with the radiologists on more read films (`even` with none or a tie). */
  ahead: 'candidate' | 'production' | 'even';
}

export interface ShadowView {
  id: string;
  version: string;
  status: ShadowBody['status'];
  sites: string;
  started: string;
  ended: string;
  reportUrl: string | null;
  rolloutId: string | null;
  production: string;
  minReads: number;
  lines: AgreementLine[];
  can: { stop: boolean; promote: boolean };
}

const rateText = (r: Rate, reads: number) => (reads === 0 ? '—' : `${r.agreed}/${reads} (${percent(r.rate ?? 0)})`);

function line(site: string, row: Row): AgreementLine {
  const { agreed: c } = row.candidate;
  const { agreed: p } = row.production;
  return {
    site,
    films: row.films,
    reads: row.reads,
    production: rateText(row.production, row.reads),
    candidate: rateText(row.candidate, row.reads),
    ahead: c > p ? 'candidate' : p > c ? 'production' : 'even',
  };
}

export function toShadowView(s: ShadowBody): ShadowView {
  const running = s.status === 'running';
  return {
    id: s.id,
    version: s.version,
    status: s.status,
    sites: s.sites.join(', '),
    started: `${timeText(s.createdAt)} · ${s.createdBy}`,
    ended: s.endedAt
      ? `${s.status} ${timeText(s.endedAt)} · ${s.endedBy ?? ''}${s.endReason ? ` — ${s.endReason}` : ''}`
      : '',
    reportUrl: s.reportUrl,
    rolloutId: s.rolloutId,
    production: s.agreement.productionVersions.join(', ') || '—',
    minReads: s.minReads,
    lines: [...s.agreement.sites.map((r) => line(r.site, r)), line('all sites', s.agreement.overall)],
    can: { stop: running, promote: running },
  };
}

export const listShadows = async () =>
  (await call<{ shadows: ShadowBody[] }>('GET', '/api/shadows?limit=20')).shadows.map(toShadowView);
export const startShadow = (body: { version?: string; alias?: string; sites: string[]; minReads?: number }) =>
  call<ShadowBody>('POST', '/api/shadows', body);
export const stopShadow = (id: string) => call<ShadowBody>('POST', `/api/shadows/${id}/stop`, {});
export const promoteShadow = (id: string, body: { waves?: Wave[]; waitS?: number } = {}) =>
  call<ShadowBody>('POST', `/api/shadows/${id}/promote`, body);
