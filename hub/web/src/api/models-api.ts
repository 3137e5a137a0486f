/** Model registry and rollouts: API → view models, and the rollout actions. */
import { count, percent, timeText } from '../ui/format.ts';
import { call } from './http.ts';

interface ModelBody {
  version: string;
  name: string;
  macs: number;
  params: number;
  meanAuroc: number | null;
  sizeBytes: number;
  sha256: string;
  publishedBy: string;
  publishedAt: string;
  aliases: string[];
}

export interface ModelView {
  version: string;
  name: string;
  macs: string;
  params: string;
  auroc: string;
  size: string;
  sha: string;
  publishedBy: string;
  publishedAt: string;
  aliases: string[];
}

function toModel(m: ModelBody): ModelView {
  return {
    version: m.version,
    name: m.name,
    macs: count(m.macs),
    params: count(m.params),
    auroc: m.meanAuroc === null ? '—' : m.meanAuroc.toFixed(3),
    size: `${Math.round(m.sizeBytes / 1024)} KiB`,
    sha: m.sha256.slice(0, 12),
    publishedBy: m.publishedBy,
    publishedAt: timeText(m.publishedAt),
    aliases: m.aliases,
  };
}

export async function models(): Promise<{ models: ModelView[]; aliases: Array<{ alias: string; version: string }> }> {
  const body = await call<{ models: ModelBody[]; aliases: Array<{ alias: string; version: string }> }>(
    'GET',
    '/api/models',
  );
  return {
    models: body.models.map(toModel),
    aliases: body.aliases.map((a) => ({ alias: a.alias, version: a.version })),
  };
}

export type Wave = { agents: number } | { percent: number };

interface RolloutBody {
  id: string;
  version: string;
  status: string;
  reason?: string;
  waves: Wave[];
  wavesIssued: number;
  targetCount: number;
  waitS: number;
  shadow: boolean;
  createdBy: string;
  createdAt: string;
  agents: Array<{
    site: string;
    agent: string;
    shown: string;
    wave: number;
    bytes?: number;
    totalBytes?: number;
    agreement: number | null;
    revertVersion?: string;
    code?: string;
    reason?: string;
  }>;
}

export interface RolloutView {
  id: string;
  version: string;
  status: string;
  reason: string;
  waves: string;
  progress: string;
  waitS: number;
  shadow: boolean;
  createdBy: string;
  createdAt: string;
  can: { pause: boolean; resume: boolean; abort: boolean; rollback: boolean };
  agents: Array<{ name: string; shown: string; wave: number; detail: string; title: string }>;
}

/** A rollout view model: what the list shows and which actions its status allows. */
function toRollout(r: RolloutBody): RolloutView {
  const active = r.status === 'running' || r.status === 'paused';
  return {
    id: r.id,
    version: r.version,
    status: r.status,
    reason: r.reason ?? '',
    waves: r.waves.map((w) => ('agents' in w ? String(w.agents) : `${w.percent}%`)).join(' → '),
    progress: `wave ${r.wavesIssued} of ${r.waves.length} · ${r.agents.length} of ${r.targetCount} agents assigned`,
    waitS: r.waitS,
    shadow: r.shadow,
    createdBy: r.createdBy,
    createdAt: timeText(r.createdAt),
    can: {
      pause: r.status === 'running',
      resume: r.status === 'paused',
      abort: active,
      rollback: r.status !== 'rolled-back',
    },
    agents: r.agents.map((a) => ({
      name: `${a.site}/${a.agent}`,
      shown: a.shown,
      wave: a.wave,
      detail: [
        a.totalBytes ? percent((a.bytes ?? 0) / a.totalBytes) : '',
        a.agreement === null ? '' : `agreement ${percent(a.agreement)}`,
        a.revertVersion ? `→ ${a.revertVersion}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      title: [a.code, a.reason].filter(Boolean).join(': '),
    })),
  };
}

export async function rollouts(): Promise<RolloutView[]> {
  const body = await call<{ rollouts: RolloutBody[] }>('GET', '/api/rollouts?limit=20');
  return body.rollouts.map(toRollout);
}

/** "1,25%,100%" → [{agents: 1}, {percent: 25}, {percent: 100}]; throws on anything else. */
export function parseWaves(text: string): Wave[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(%?)\s*$/.exec(part);
    if (!match) throw new Error(`Waves: "${part}" is neither a count (3) nor a percentage (25%).`);
    return match[2] === '%' ? { percent: Number(match[1]) } : { agents: Number(match[1]) };
  });
}

export async function startRollout(request: Record<string, unknown>): Promise<RolloutView> {
  return toRollout(await call<RolloutBody>('POST', '/api/rollouts', request));
}

export async function rolloutAction(id: string, action: string): Promise<RolloutView> {
  return toRollout(await call<RolloutBody>('POST', `/api/rollouts/${encodeURIComponent(id)}/${action}`, {}));
}
