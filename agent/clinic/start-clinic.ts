/**
 * The clinic feature's parts, wired from the agent's `clinic` config (called once from agent/main.ts): the
 * identity and report stores on the agent's database, the recorder the pipeline hands each scored file to, the
 * urgent alert, the report deliverer (files, PACS) and the clinic page. `health` feeds the page's plain-words
 * status line. Nothing starts listening here: the page is mounted on the agent's HTTP server by the caller.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.ts';
import { IdentityStore } from '../store/identity-store.ts';
import { ReportStore } from '../store/report-store.ts';
import { type ClinicRecorder, clinicRecorder } from './clinic-recorder.ts';
import { clinicPage } from './page/clinic-page.ts';
import { ClinicSessions } from './page/clinic-sessions.ts';
import type { HealthWords } from './page/page-html.ts';
import { ReportDeliverer } from './report-deliverer.ts';
import { urgentAlert } from './urgent-alert.ts';

export type ClinicConfig = NonNullable<AgentConfig['clinic']>;

export interface AgentHealthFacts {
  broker: 'connected' | 'disconnected';
  backlog: number;
  outbox: number;
  intakePaused: boolean;
  quarantined: number;
  dicomListening?: boolean;
}

/** The agent's state in plain words for clinic staff (pure). */
export function healthWords(facts: AgentHealthFacts, reportsPending: number): HealthWords {
  const lines = [
    facts.broker === 'connected'
      ? 'Connected to the radiologists’ hub: new films go out and reports come back.'
      : 'Not connected to the radiologists’ hub right now: films wait here and go out when the link returns.',
  ];
  if (facts.intakePaused) lines.push('Disk nearly full: new films are NOT being read. Call IT support.');
  if (facts.dicomListening === false)
    lines.push('The DICOM receiver is not running: the X-ray machine cannot send films.');
  lines.push(
    facts.backlog > 0 ? `${facts.backlog} film(s) waiting to be analysed.` : 'Every film received has been analysed.',
  );
  if (facts.outbox > 0) lines.push(`${facts.outbox} result(s) waiting to reach the hub.`);
  if (reportsPending > 0) lines.push(`${reportsPending} report(s) being written or sent to the PACS.`);
  if (facts.quarantined > 0) lines.push(`${facts.quarantined} file(s) could not be used (see the quarantine folder).`);
  return { lines, ok: facts.broker === 'connected' && !facts.intakePaused && facts.dicomListening !== false };
}

export interface Clinic {
  recorder: ClinicRecorder;
  deliverer: ReportDeliverer;
  page: ReturnType<typeof clinicPage>;
  identities: IdentityStore;
  reports: ReportStore;
  close(): Promise<void>;
}

export function startClinic(deps: {
  config: ClinicConfig;
  db: Database.Database;
  health(): AgentHealthFacts;
  log: Logger;
  now(): number;
}): Clinic {
  const { config, log, now } = deps;
  const identities = new IdentityStore(deps.db);
  const reports = new ReportStore(deps.db, config.pacs !== undefined);
  const deliverer = new ReportDeliverer({
    reports,
    identities,
    resultsDir: config.resultsDir,
    outputs: config.outputs,
    siteName: config.siteName,
    ...(config.pacs ? { pacs: config.pacs } : {}),
    retry: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
    log,
    now,
  });
  const urgent = urgentAlert({
    identities,
    ...(config.alertCommand ? { command: config.alertCommand } : {}),
    timeoutMs: 30_000,
    log,
    now,
  });
  const sessions = new ClinicSessions(config.users, config.sessionTtlHours * 3_600_000, now);
  const page = clinicPage({
    siteName: config.siteName,
    sessions,
    identities,
    reports,
    health: () => healthWords(deps.health(), reports.pendingCount()),
    recentStudies: config.recentStudies,
    now,
  });
  deliverer.start();
  return {
    recorder: clinicRecorder({ identities, now, urgent }),
    deliverer,
    page,
    identities,
    reports,
    close: () => deliverer.close(),
  };
}
