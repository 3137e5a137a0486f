/**
 * What the clinic reads (pure): one study's identity as the clinic knows it, the AI triage, and every version of
 * the radiologist's read, turned into display strings shared by the PDF, the JSON file, the SR and the clinic
 * page. In: the local identity (may be missing when the agent's database was lost) and the stored reports of
 * one result. Out: a `ReportView`. DICOM values are shown as the clinic wrote them, made readable (PN `^` → ", ",
 * dates YYYY-MM-DD). Nothing here is sent anywhere.
 */
import type { ClinicReport } from '../../protocol/messages.ts';
import type { ResultSummary, StoredIdentity } from '../store/identity-store.ts';

/** The AI tier in plain words; `undefined` (a result without triage) is "scored". */
export function tierWording(tier: string | undefined): { label: string; advice: string; urgent: boolean } {
  switch (tier) {
    case 'urgent':
      return { label: 'Urgent', advice: 'urgent — consider immediate review', urgent: true };
    case 'abnormal':
      return { label: 'Abnormal', advice: 'abnormal — findings suspected, a radiologist will read it', urgent: false };
    case 'indeterminate':
      return { label: 'Indeterminate', advice: 'indeterminate — needs a radiologist’s read', urgent: false };
    case 'likely-normal':
      return { label: 'Likely normal', advice: 'likely normal — a radiologist will confirm', urgent: false };
    default:
      return { label: 'Scored', advice: 'scored — waiting for a radiologist', urgent: false };
  }
}

/** DICOM PN `Family^Given^Middle^Prefix^Suffix` → "Family, Given Middle"; other text unchanged. */
export function personName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const alphabetic = value.split('=')[0] ?? value;
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^');
  const rest = [prefix, given, middle, suffix].filter((p) => p.trim() !== '').join(' ');
  if (family.trim() === '') return rest || undefined;
  return rest ? `${family.trim()}, ${rest}` : family.trim();
}

/** DICOM DA `YYYYMMDD` → `YYYY-MM-DD`; anything else unchanged. */
export function dicomDate(value: string | undefined): string | undefined {
  const m = value?.match(/^(\d{4})(\d{2})(\d{2})$/);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : value;
}

/** DICOM TM `HHMMSS.frac` → `HH:MM`. */
export function dicomTime(value: string | undefined): string | undefined {
  const m = value?.match(/^(\d{2})(\d{2})/);
  return m ? `${m[1]}:${m[2]}` : value;
}

/** ISO time → "YYYY-MM-DD HH:MM UTC" (the agent does not guess the clinic's time zone). */
export function shownTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export interface ReadView {
  version: number;
  /** "Original read" or "Addendum 1", "Addendum 2", … */
  title: string;
  reader: string;
  signedAt: string;
  findings: { name: string; decision: 'present' | 'absent' }[];
  impression: string;
  addendum?: string;
}

export interface ReportView {
  resultId: string;
  patient: { name: string; id?: string; birthDate?: string; sex?: string };
  study: { date?: string; time?: string; accession?: string; description?: string; fileName?: string };
  ai: {
    tier?: string;
    label: string;
    advice: string;
    urgent: boolean;
    score?: number;
    /** Classes by probability, highest first. */
    probabilities: { name: string; probability: number }[];
    model?: string;
  };
  reads: ReadView[];
  /** The latest version's number (the report file is named for it). */
  version: number;
}

function readView(report: ClinicReport): ReadView {
  return {
    version: report.version,
    title: report.version === 1 ? 'Original read' : `Addendum ${report.version - 1}`,
    reader: report.reader,
    signedAt: shownTime(report.signedAt),
    findings: Object.entries(report.findings)
      .map(([name, decision]) => ({ name, decision }))
      .sort((a, b) => (a.decision === b.decision ? a.name.localeCompare(b.name) : a.decision === 'present' ? -1 : 1)),
    impression: report.impression,
    ...(report.addendum ? { addendum: report.addendum } : {}),
  };
}

function aiView(summary: ResultSummary | undefined, latest: ClinicReport | undefined): ReportView['ai'] {
  const tier = latest?.triage.tier ?? summary?.tier;
  const probabilities = latest?.triage.probabilities ?? summary?.probabilities ?? {};
  const score = latest?.triage.score ?? summary?.score;
  const model = latest?.model ?? summary?.model;
  return {
    ...(tier ? { tier } : {}),
    ...tierWording(tier),
    ...(score === undefined ? {} : { score }),
    probabilities: Object.entries(probabilities)
      .map(([name, probability]) => ({ name, probability }))
      .sort((a, b) => b.probability - a.probability),
    ...(model ? { model: `${model.name} ${model.version}` } : {}),
  };
}

/** The view of one result's reads up to and including `upToVersion` (all of them when omitted). */
export function reportView(
  resultId: string,
  identity: StoredIdentity | undefined,
  reports: readonly ClinicReport[],
  upToVersion?: number,
): ReportView {
  const shown = reports
    .filter((r) => upToVersion === undefined || r.version <= upToVersion)
    .sort((a, b) => a.version - b.version);
  const latest = shown[shown.length - 1];
  const id = identity?.identity;
  return {
    resultId,
    patient: {
      name: personName(id?.patientName) ?? (identity ? 'Name not recorded' : 'Not found on this agent'),
      ...(id?.patientId ? { id: id.patientId } : {}),
      ...(id?.birthDate ? { birthDate: dicomDate(id.birthDate) as string } : {}),
      ...(id?.sex ? { sex: id.sex } : {}),
    },
    study: {
      ...(id?.studyDate ? { date: dicomDate(id.studyDate) as string } : {}),
      ...(id?.studyTime ? { time: dicomTime(id.studyTime) as string } : {}),
      ...(id?.accessionNumber ? { accession: id.accessionNumber } : {}),
      ...(id?.studyDescription ? { description: id.studyDescription } : {}),
      ...(id?.fileName ? { fileName: id.fileName } : {}),
    },
    ai: aiView(identity?.summary, latest),
    reads: shown.map(readView),
    version: latest?.version ?? 0,
  };
}
