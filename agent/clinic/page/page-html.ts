/**
 * The clinic page's HTML (pure): the login form, the list of recent studies and one study. In: view models
 * built from the local stores (patient as the clinic knows it, AI tier, read status) and the agent's health.
 * Out: HTML strings in large type for a screen across the room; every value is escaped. No scripts: the list
 * refreshes itself every 15 s (meta refresh), so the page works under `default-src 'none'`.
 */
import type { ReportView } from '../report-view.ts';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface HealthWords {
  /** One line each, e.g. "Connected to the hub: results and reports flow." */
  lines: string[];
  ok: boolean;
}

export interface StudyRow {
  /** Link target: the first instance's result id. */
  resultId: string;
  patient: string;
  patientId?: string;
  study: string;
  images: number;
  tierLabel: string;
  advice: string;
  urgent: boolean;
  status: string;
  read: boolean;
}

function layout(title: string, body: string, refresh: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh ? '<meta http-equiv="refresh" content="15">' : ''}
<link rel="stylesheet" href="/clinic/app.css"></head>
<body>${body}</body></html>`;
}

export function loginHtml(siteName: string, failed: boolean): string {
  return layout(
    `${siteName} — sign in`,
    `<main class="login"><h1>${escapeHtml(siteName)}</h1><p>Chest X-ray results</p>
${failed ? '<p class="error" role="alert">Wrong user name or password, or too many tries: wait half a minute.</p>' : ''}
<form method="post" action="/clinic/login">
<label>User name <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></main>`,
    false,
  );
}

function header(siteName: string, user: string, health: HealthWords): string {
  return `<header><h1>${escapeHtml(siteName)} · chest X-rays</h1>
<form method="post" action="/clinic/logout"><span>${escapeHtml(user)}</span> <button type="submit">Sign out</button></form></header>
<section class="health ${health.ok ? 'ok' : 'problem'}" aria-label="Agent health">${health.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</section>`;
}

export function listHtml(siteName: string, user: string, health: HealthWords, rows: readonly StudyRow[]): string {
  const urgent = rows.filter((r) => r.urgent && !r.read);
  const alerts = urgent
    .map(
      (r) =>
        `<p class="alert" role="alert"><a href="/clinic/result/${r.resultId}">URGENT — ${escapeHtml(r.patient)}: ${escapeHtml(r.advice)}</a></p>`,
    )
    .join('');
  const body = rows
    .map(
      (r) => `<tr class="${r.urgent ? 'urgent' : ''}">
<td><a href="/clinic/result/${r.resultId}">${escapeHtml(r.patient)}</a>${r.patientId ? `<br><small>ID ${escapeHtml(r.patientId)}</small>` : ''}</td>
<td>${escapeHtml(r.study)}<br><small>${r.images} image${r.images === 1 ? '' : 's'}</small></td>
<td class="tier">${escapeHtml(r.advice)}</td>
<td class="status ${r.read ? 'read' : 'waiting'}">${escapeHtml(r.status)}</td></tr>`,
    )
    .join('');
  return layout(
    `${siteName} — chest X-rays`,
    `${header(siteName, user, health)}<main>${alerts}
${rows.length === 0 ? '<p class="empty">No studies yet.</p>' : `<table><thead><tr><th>Patient</th><th>Study</th><th>AI triage</th><th>Status</th></tr></thead><tbody>${body}</tbody></table>`}
</main>`,
    true,
  );
}

export interface StudyImage {
  resultId: string;
  advice: string;
  hasPreview: boolean;
  hasEvidence: boolean;
}

export function studyHtml(
  siteName: string,
  user: string,
  health: HealthWords,
  view: ReportView,
  images: readonly StudyImage[],
): string {
  const details = [
    view.patient.id && `Patient ID ${view.patient.id}`,
    view.patient.birthDate && `born ${view.patient.birthDate}`,
    view.patient.sex && `sex ${view.patient.sex}`,
    view.study.date && `study ${view.study.date}${view.study.time ? ` ${view.study.time}` : ''}`,
    view.study.accession && `accession ${view.study.accession}`,
    view.study.description,
  ].filter((d): d is string => Boolean(d));
  const figures = images
    .map(
      (i) => `<figure>${i.hasPreview ? `<img src="/clinic/image/${i.resultId}.jpg" alt="Film">` : '<p>No preview</p>'}
${i.hasEvidence ? `<img src="/clinic/evidence/${i.resultId}.jpg" alt="Film with the AI's evidence">` : ''}
<figcaption>AI: ${escapeHtml(i.advice)}</figcaption></figure>`,
    )
    .join('');
  const reads =
    view.reads.length === 0
      ? '<p class="status waiting">Waiting for a radiologist’s read.</p>'
      : view.reads
          .map(
            (r) => `<article class="read${r.version > 1 ? ' addendum' : ''}"><h3>${escapeHtml(r.title)}</h3>
<p class="meta">Read by ${escapeHtml(r.reader)} · signed ${escapeHtml(r.signedAt)} · <a href="/clinic/report/${view.resultId}/${r.version}.pdf">PDF</a></p>
${r.findings.length > 0 ? `<ul>${r.findings.map((f) => `<li class="${f.decision}">${escapeHtml(f.name)}: ${f.decision}</li>`).join('')}</ul>` : ''}
<h4>Impression</h4><p class="impression">${escapeHtml(r.impression || '—')}</p>
${r.addendum ? `<h4>Addendum</h4><p class="impression">${escapeHtml(r.addendum)}</p>` : ''}</article>`,
          )
          .join('');
  return layout(
    `${view.patient.name} — ${siteName}`,
    `${header(siteName, user, health)}<main><p><a href="/clinic">← All studies</a></p>
<h2>${escapeHtml(view.patient.name)}</h2><p class="details">${escapeHtml(details.join(' · '))}</p>
<p class="tier ${view.ai.urgent ? 'urgent' : ''}">AI triage: ${escapeHtml(view.ai.advice)}</p>
<section class="images">${figures}</section><section class="reads"><h2>Radiologist’s read</h2>${reads}</section></main>`,
    view.reads.length === 0,
  );
}

export const CLINIC_CSS = `
body { font: 22px/1.4 system-ui, sans-serif; margin: 0; color: #111; background: #fafafa; }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 24px; background: #1d3557; color: #fff; }
header h1 { font-size: 30px; margin: 0; }
header button, form button { font-size: 20px; padding: 6px 16px; }
main { padding: 16px 24px; }
.health { padding: 8px 24px; } .health p { margin: 4px 0; } .health.ok { background: #e8f5e9; } .health.problem { background: #fff3cd; }
.alert { background: #b00020; color: #fff; padding: 12px 16px; font-size: 28px; font-weight: bold; }
.alert a { color: #fff; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 10px; border-bottom: 1px solid #ccc; vertical-align: top; }
tr.urgent td.tier, p.tier.urgent { color: #b00020; font-weight: bold; }
.status.waiting { color: #8a5300; } .status.read { color: #1b5e20; font-weight: bold; }
.images { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; } figure img { max-width: 420px; max-height: 420px; margin-right: 8px; }
article.read { border-left: 6px solid #1d3557; padding: 4px 16px; margin: 16px 0; background: #fff; }
article.read.addendum { border-color: #8a5300; }
li.present { font-weight: bold; } .impression { white-space: pre-wrap; }
.login { max-width: 520px; margin: 80px auto; } .login label { display: block; margin: 12px 0; } .login input { font-size: 22px; width: 100%; }
.error { color: #b00020; }
`;
