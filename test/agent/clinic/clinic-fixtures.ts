/** Shared values for the clinic tests: a signed read and a stored identity (a name with a non-ASCII letter). */
import type { StoredIdentity } from '../../../agent/store/identity-store.ts';
import type { ClinicReport } from '../../../protocol/messages.ts';

export const RESULT_ID = 'ab'.repeat(32);

export function clinicReport(overrides: Partial<ClinicReport> = {}): ClinicReport {
  return {
    v: 1,
    resultId: RESULT_ID,
    site: 'clinic-1',
    agent: 'room-2',
    keys: { image: 'cd'.repeat(32) },
    version: 1,
    reader: 'Dr Ada Lee',
    signedAt: '2026-12-01T10:00:00.000Z',
    findings: { Effusion: 'absent', Pneumonia: 'present' },
    impression: 'Right lower lobe consolidation.',
    triage: { tier: 'urgent', score: 0.91, probabilities: { Pneumonia: 0.91, Effusion: 0.12, Normal: 0.05 } },
    model: { name: 'cxr-baseline', version: '2.0.0' },
    ...overrides,
  };
}

export function storedIdentity(overrides: Partial<StoredIdentity> = {}): StoredIdentity {
  return {
    resultId: RESULT_ID,
    imageKey: 'cd'.repeat(32),
    studyGroup: 'study:1.2.3.4',
    identity: {
      fileName: 'film.dcm',
      patientName: 'Quaxley^Zéphyrine',
      patientId: 'ZQ-1',
      sex: 'F',
      accessionNumber: 'ACC-1',
      studyDate: '20261201',
      studyInstanceUid: '1.2.3.4',
      seriesInstanceUid: '1.2.3.4.5',
      sopInstanceUid: '1.2.3.4.5.6',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1',
    },
    sourcePath: '/in/film.dcm',
    summary: {
      classes: ['Normal', 'Pneumonia', 'Effusion'],
      probabilities: { Normal: 0.05, Pneumonia: 0.91, Effusion: 0.12 },
      flags: ['Pneumonia'],
      tier: 'urgent',
      score: 0.91,
      model: { name: 'cxr-baseline', version: '2.0.0' },
      scoredAt: '2026-12-01T09:00:00.000Z',
      image: { format: 'dicom', rows: 1024, cols: 1024 },
    },
    scoredAt: 0,
    hasPreview: false,
    ...overrides,
  };
}
