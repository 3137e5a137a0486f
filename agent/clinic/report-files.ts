/**
 * Writes one version of a read into the clinic's results folder: `<stem>.pdf`, `<stem>.json` and `<stem>.sr.dcm`
 * (each when enabled), each durably (temp + fsync + rename + folder fsync, agent/store/durable-file.ts), so the
 * clinic's software never sees half a file. `stem` = `<signed date>_<patient ID>_<result>_v<version>`, made safe
 * for any file system. Writing the same version again replaces the files with identical content. The SR needs the
 * original's UIDs (DICOM intake); for PNG/JPEG intake it is skipped. Errors are thrown (the deliverer retries).
 * The JSON file holds the clinic's view (patient, study, AI triage, every read) plus the original's UIDs.
 */

import { writeDurably } from '../store/durable-file.ts';
import type { LocalIdentity } from '../store/read-identity.ts';
import type { ReportView } from './report-view.ts';
import { writeReportPdf } from './write-pdf.ts';
import { canWriteSr, writeReportSr } from './write-sr.ts';

export interface OutputSwitches {
  pdf: boolean;
  json: boolean;
  sr: boolean;
}

export interface ReportFilesInput {
  dir: string;
  outputs: OutputSwitches;
  view: ReportView;
  identity: LocalIdentity | undefined;
  signedAt: Date;
  siteName: string;
  preview?: Buffer;
  evidence?: { jpeg: Buffer; finding: string };
  madeAt: Date;
}

/** A file-name-safe piece: letters, digits, `-` and `.` kept, runs of anything else become `_`. */
function safe(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 48);
}

export function reportStem(view: ReportView, signedAt: Date): string {
  const date = signedAt.toISOString().slice(0, 10);
  const patient = safe(view.patient.id ?? '') || 'unknown';
  return `${date}_${patient}_${view.resultId.slice(0, 12)}_v${view.version}`;
}

export function reportJson(view: ReportView, identity: LocalIdentity | undefined) {
  return {
    format: 'cxr-edge clinic report',
    formatVersion: 1,
    ...view,
    dicom:
      identity?.studyInstanceUid === undefined
        ? undefined
        : {
            studyInstanceUid: identity.studyInstanceUid,
            seriesInstanceUid: identity.seriesInstanceUid,
            sopInstanceUid: identity.sopInstanceUid,
            sopClassUid: identity.sopClassUid,
            accessionNumber: identity.accessionNumber,
          },
  };
}

/** Writes the enabled files; returns their paths. */
export async function writeReportFiles(input: ReportFilesInput): Promise<string[]> {
  const stem = reportStem(input.view, input.signedAt);
  const written: string[] = [];
  if (input.outputs.pdf) {
    const pdf = await writeReportPdf({
      view: input.view,
      siteName: input.siteName,
      ...(input.preview ? { preview: input.preview } : {}),
      ...(input.evidence ? { evidence: input.evidence } : {}),
      generatedAt: input.madeAt,
    });
    written.push(await writeDurably(input.dir, `${stem}.pdf`, pdf));
  }
  if (input.outputs.json) {
    const json = Buffer.from(`${JSON.stringify(reportJson(input.view, input.identity), null, 2)}\n`);
    written.push(await writeDurably(input.dir, `${stem}.json`, json));
  }
  if (input.outputs.sr && canWriteSr(input.identity)) {
    const sr = writeReportSr({
      view: input.view,
      identity: input.identity,
      signedAt: input.signedAt,
      institution: input.siteName,
    });
    written.push(await writeDurably(input.dir, `${stem}.sr.dcm`, sr));
  }
  return written;
}
