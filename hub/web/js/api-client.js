/**
 * The dashboard's single data source: every screen reads through here. It calls the hub API (session
 * cookie + CSRF header) and maps responses into view models, so screens never see raw API shapes.
 */
import { ageText, percent, timeText } from './view-format.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrf = '';

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = payload.error ?? { code: 'CXR_ERR_HTTP', message: response.statusText };
    throw new ApiError(response.status, error.code, error.message);
  }
  return payload;
}

/** @returns {{username:string, role:string, isAdmin:boolean}} */
function toUser(session) {
  csrf = session.csrf;
  return { username: session.user.username, role: session.user.role, isAdmin: session.user.role === 'admin' };
}

export async function currentUser() {
  try {
    return toUser(await call('GET', '/api/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logIn(username, password) {
  return toUser(await call('POST', '/api/session', { username, password }));
}

export async function logOut() {
  await call('DELETE', '/api/session');
  csrf = '';
}

/** A worklist row view model. */
export function toWorkItem(item) {
  const top = [...item.classes].sort((a, b) => item.probabilities[b] - item.probabilities[a])[0];
  return {
    id: item.resultId,
    site: item.site,
    agent: item.agent,
    priority: item.priority,
    flags: item.flags,
    topFinding: top ?? '',
    topProbability: top ? percent(item.probabilities[top]) : '',
    scoredAt: item.scoredAt,
    scoredText: timeText(item.scoredAt),
    age: ageText(item.scoredAt),
    model: `${item.modelName} ${item.modelVersion}`,
    status: item.status,
    studyShort: (item.studyKey ?? item.resultId).slice(0, 10),
  };
}

export async function worklist(filters = {}, cursor) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== '' && value !== undefined) query.set(key, value);
  if (cursor) query.set('cursor', cursor);
  const page = await call('GET', `/api/worklist?${query}`);
  return { items: page.items.map(toWorkItem), nextCursor: page.nextCursor };
}

export async function study(id) {
  const s = await call('GET', `/api/studies/${id}`);
  const labelOf = new Map((s.review?.labels ?? []).map((l) => [l.class, l]));
  return {
    id: s.resultId,
    site: s.site,
    agent: s.agent,
    status: s.status,
    studyShort: (s.studyKey ?? s.resultId).slice(0, 12),
    model: `${s.modelName} ${s.modelVersion}`,
    runtime: s.runtime,
    scoredText: timeText(s.scoredAt),
    age: ageText(s.scoredAt),
    image: s.image,
    timings: Object.entries(s.timingsMs)
      .map(([stage, ms]) => `${stage} ${Math.round(ms)} ms`)
      .join(' · '),
    previewUrl: s.hasPreview ? `/api/studies/${id}/preview` : null,
    heatmapUrl: s.hasHeatmap ? `/api/studies/${id}/heatmap` : null,
    findings: s.classes.map((cls) => ({
      name: cls,
      probability: s.probabilities[cls],
      percent: percent(s.probabilities[cls]),
      flagged: s.flags.includes(cls),
      decision: labelOf.get(cls)?.decision ?? null,
    })),
    review: s.review ? { reviewer: s.review.reviewer, at: timeText(s.review.at), report: s.review.report } : null,
    history: s.history.map((h) => ({ at: timeText(h.at), actor: h.actor, action: h.action })),
  };
}

export async function submitReview(id, decisions, report) {
  return call('POST', `/api/studies/${id}/review`, { decisions, report });
}

export async function fleet() {
  const body = await call('GET', '/api/fleet');
  return body.agents.map((a) => ({
    name: `${a.site} / ${a.agent}`,
    online: a.online,
    lastSeen: a.lastSeen ? ageText(a.lastSeen) : 'never',
    backlog: a.backlog ?? '—',
    outbox: a.outbox ?? '—',
    quarantined: a.quarantined ?? '—',
    results: a.results,
    model: a.modelVersion ?? '—',
    runtime: a.runtime ?? '—',
    version: a.agentVersion ?? '—',
    rollout: a.modelState ? `${a.modelState.version}: ${a.modelState.state}` : '—',
    paused: a.intakePaused,
  }));
}

export async function stats() {
  const body = await call('GET', '/api/stats?days=14');
  return {
    sites: body.sites.map((s) => ({
      ...s,
      flaggedShare: s.total ? percent(s.flagged / s.total) : '—',
      reviewedShare: s.total ? percent(s.reviewed / s.total) : '—',
      days: lastDays(14).map((day) => ({
        day,
        count: body.daily.find((d) => d.site === s.site && d.day === day)?.count ?? 0,
      })),
    })),
    agreement: body.agreement.map((a) => ({ ...a, rateText: a.rate === null ? '—' : percent(a.rate) })),
  };
}

function lastDays(n) {
  const today = Date.now();
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export async function auditLog(before) {
  const body = await call('GET', `/api/audit?limit=100${before ? `&before=${before}` : ''}`);
  return body.entries.map((e) => ({
    id: e.id,
    at: timeText(e.at),
    actor: e.actor,
    action: e.action,
    target: e.target ?? '',
    change: summarizeChange(e.before, e.after),
  }));
}

function summarizeChange(before, after) {
  const labels = after?.review?.labels;
  if (Array.isArray(labels)) {
    const overridden = labels.filter((l) => l.decision === 'override').map((l) => l.class);
    const from = before?.status ?? '';
    return `${from} → ${after.status}; ${overridden.length ? `override ${overridden.join(', ')}` : 'all confirmed'}`;
  }
  return after ? JSON.stringify(after) : '';
}

/** 1234567 → "1.23 M", 45678 → "45.7 k". */
function count(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

/** A registry row view model. */
function toModel(m) {
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

export async function models() {
  const body = await call('GET', '/api/models');
  return {
    models: body.models.map(toModel),
    aliases: body.aliases.map((a) => ({ alias: a.alias, version: a.version })),
  };
}

/** A rollout view model: what the list shows and which actions its status allows. */
function toRollout(r) {
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

export async function rollouts() {
  const body = await call('GET', '/api/rollouts?limit=20');
  return body.rollouts.map(toRollout);
}

/** "1,25%,100%" → [{agents: 1}, {percent: 25}, {percent: 100}]; throws on anything else. */
export function parseWaves(text) {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(%?)\s*$/.exec(part);
    if (!match) throw new Error(`Waves: "${part}" is neither a count (3) nor a percentage (25%).`);
    return match[2] === '%' ? { percent: Number(match[1]) } : { agents: Number(match[1]) };
  });
}

export async function startRollout(request) {
  return toRollout(await call('POST', '/api/rollouts', request));
}

export async function rolloutAction(id, action) {
  return toRollout(await call('POST', `/api/rollouts/${encodeURIComponent(id)}/${action}`, {}));
}

/** Live updates: calls handlers.result(workItem), handlers.review(e), handlers.fleet(e), handlers.rollout(e). */
export function subscribe(handlers, onState) {
  const source = new EventSource('/api/events');
  source.onopen = () => onState?.(true);
  source.onerror = () => onState?.(false);
  source.addEventListener('result', (e) => handlers.result?.(toWorkItem(JSON.parse(e.data))));
  source.addEventListener('review', (e) => handlers.review?.(JSON.parse(e.data)));
  source.addEventListener('fleet', (e) => handlers.fleet?.(JSON.parse(e.data)));
  source.addEventListener('rollout', (e) => handlers.rollout?.(JSON.parse(e.data)));
  return () => source.close();
}
