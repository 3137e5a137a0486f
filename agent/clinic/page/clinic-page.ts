/**
 * The clinic page's routes, mounted on the agent's HTTP server under `/clinic` (agent/http/http-server.ts):
 * sign in/out, the recent studies (instances grouped by study) with the AI tier as soon as an image is scored and
 * the read status, one study with its films and every version of the read, the PDF of a version, and the film
 * images. Everything but the sign-in form needs a session (clinic-sessions.ts). Data comes from the agent's
 * local stores only. Unknown ids answer 404; a bad form answers 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdentityStore, StoredIdentity } from '../../store/identity-store.ts';
import type { ReportStore } from '../../store/report-store.ts';
import { filmWithEvidence, hasDrawnEvidence } from '../film-overlay.ts';
import { dicomDate, personName, reportView, tierWording } from '../report-view.ts';
import { writeReportPdf } from '../write-pdf.ts';
import type { ClinicSessions } from './clinic-sessions.ts';
import { CLINIC_CSS, type HealthWords, listHtml, loginHtml, type StudyRow, studyHtml } from './page-html.ts';

export interface ClinicPageDeps {
  siteName: string;
  sessions: ClinicSessions;
  identities: IdentityStore;
  reports: ReportStore;
  health(): HealthWords;
  recentStudies: number;
  now(): number;
}

const COOKIE = 'cxr_clinic';
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE && value) return value;
  }
  return undefined;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 8192) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra }).end(body);
}

function studyRow(instances: StoredIdentity[], reports: ReportStore): StudyRow {
  const first = instances[0] as StoredIdentity;
  const id = first.identity;
  const reads = instances.flatMap((i) => reports.forResult(i.resultId).map((r) => r.report));
  const latest = reads.sort((a, b) => Date.parse(b.signedAt) - Date.parse(a.signedAt))[0];
  const tiers = instances.map((i) => latest?.triage.tier ?? i.summary.tier);
  const worst = tiers.find((t) => t === 'urgent') ?? tiers.find((t) => t === 'abnormal') ?? tiers[0];
  const wording = tierWording(worst);
  const study = [dicomDate(id.studyDate), id.accessionNumber, id.studyDescription].filter(Boolean).join(' · ');
  return {
    resultId: first.resultId,
    patient: personName(id.patientName) ?? id.fileName,
    ...(id.patientId ? { patientId: id.patientId } : {}),
    study: study || new Date(first.scoredAt).toISOString().slice(0, 16).replace('T', ' '),
    images: instances.length,
    tierLabel: wording.label,
    advice: wording.advice,
    urgent: wording.urgent,
    status: latest
      ? `Read by ${latest.reader}${latest.version > 1 ? ` (addendum ${latest.version - 1})` : ''}`
      : 'Waiting for a radiologist',
    read: latest !== undefined,
  };
}

/** Handles `/clinic…`; returns false for other paths (the caller answers them). */
export function clinicPage(deps: ClinicPageDeps) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (path !== '/clinic' && !path.startsWith('/clinic/')) return false;
    if (path === '/clinic/app.css') {
      send(res, 200, 'text/css; charset=utf-8', CLINIC_CSS);
      return true;
    }
    if (path === '/clinic/login' && req.method === 'POST') {
      const form = await formBody(req);
      const token = form && deps.sessions.login(form.get('username') ?? '', form.get('password') ?? '');
      if (!token) {
        send(res, 401, 'text/html; charset=utf-8', loginHtml(deps.siteName, true));
        return true;
      }
      const maxAge = Math.floor(deps.sessions.ttlMs / 1000);
      res
        .writeHead(303, {
          location: '/clinic',
          'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/clinic; Max-Age=${maxAge}`,
        })
        .end();
      return true;
    }
    const user = deps.sessions.user(cookieToken(req));
    if (!user) {
      send(
        res,
        path === '/clinic' || path === '/clinic/login' ? 200 : 401,
        'text/html; charset=utf-8',
        loginHtml(deps.siteName, false),
      );
      return true;
    }
    if (path === '/clinic/logout' && req.method === 'POST') {
      deps.sessions.logout(cookieToken(req));
      res
        .writeHead(303, {
          location: '/clinic',
          'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/clinic; Max-Age=0`,
        })
        .end();
      return true;
    }
    if (path === '/clinic' || path === '/clinic/login') {
      const rows = deps.identities.recentStudies(deps.recentStudies).map((s) => studyRow(s, deps.reports));
      send(res, 200, 'text/html; charset=utf-8', listHtml(deps.siteName, user, deps.health(), rows));
      return true;
    }
    const m = path.match(/^\/clinic\/(result|image|evidence|report)\/([0-9a-f]{64})(?:\.jpg|\/(\d{1,5})\.pdf)?$/);
    const entry = m ? deps.identities.get(m[2] as string) : undefined;
    if (!m || !entry) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found');
      return true;
    }
    const kind = m[1];
    if (kind === 'image' || kind === 'evidence') {
      const preview = deps.identities.preview(entry.resultId);
      const image =
        preview && kind === 'evidence'
          ? (await filmWithEvidence(preview, entry.activation, entry.summary.probabilities))?.jpeg
          : preview;
      if (image) send(res, 200, 'image/jpeg', image);
      else send(res, 404, 'text/plain; charset=utf-8', 'no image');
      return true;
    }
    const reads = deps.reports.forResult(entry.resultId).map((r) => r.report);
    if (kind === 'report') {
      const version = Number(m[3]);
      if (!reads.some((r) => r.version === version)) {
        send(res, 404, 'text/plain; charset=utf-8', 'no such version');
        return true;
      }
      const preview = deps.identities.preview(entry.resultId);
      const evidence = preview && (await filmWithEvidence(preview, entry.activation, entry.summary.probabilities));
      const pdf = await writeReportPdf({
        view: reportView(entry.resultId, entry, reads, version),
        siteName: deps.siteName,
        ...(preview ? { preview } : {}),
        ...(evidence ? { evidence } : {}),
        generatedAt: new Date(deps.now()),
      });
      send(res, 200, 'application/pdf', pdf);
      return true;
    }
    const instances = deps.identities.study(entry.studyGroup);
    const images = await Promise.all(
      instances.map(async (i) => ({
        resultId: i.resultId,
        advice: tierWording(i.summary.tier).advice,
        hasPreview: i.hasPreview,
        hasEvidence: i.hasPreview && hasDrawnEvidence(i.activation),
      })),
    );
    const withReads = instances.find((i) => deps.reports.forResult(i.resultId).length > 0) ?? entry;
    const view = reportView(
      withReads.resultId,
      withReads,
      deps.reports.forResult(withReads.resultId).map((r) => r.report),
    );
    send(res, 200, 'text/html; charset=utf-8', studyHtml(deps.siteName, user, deps.health(), view, images));
    return true;
  };
}
