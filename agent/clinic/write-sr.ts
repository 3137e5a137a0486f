/**
 * The read as a DICOM Basic Text SR (PS3.3 A.35.1), written with dcmjs. In: the ReportView, the clinic's
 * identity of the image (patient, study, and the study/series/SOP instance UIDs of the original film) and the
 * version to write. Out: Part 10 bytes. The SR joins the ORIGINAL study (same Study Instance UID, patient and
 * accession), references the original instance in its evidence sequence and in an IMAGE content item, and is
 * VERIFIED by the signing radiologist. An addendum (version 2+) names the SR of the version before it in the
 * Predecessor Documents Sequence. Content follows TID 2000 (Basic Diagnostic Imaging Report): observer,
 * Findings (one TEXT per finding class with the decision), Impressions, the AI triage as a Comment.
 * Needs the original's Study and SOP Instance UIDs; without them (PNG/JPEG intake) there is no SR to write.
 */
import type { LocalIdentity } from '../store/read-identity.ts';
import { BASIC_TEXT_SR, dicomDateTime, part10, uidFor } from './dicom-part10.ts';
import type { ReportView } from './report-view.ts';

const code = (value: string, scheme: string, meaning: string) => [
  { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning },
];

export interface SrInput {
  view: ReportView;
  identity: LocalIdentity;
  signedAt: Date;
  institution: string;
}

/** The UIDs of the SR of one version of one result's read. */
export function srUids(resultId: string, version: number) {
  return { series: uidFor(`sr-series:${resultId}`), instance: uidFor(`sr:${resultId}:${version}`) };
}

export function canWriteSr(
  identity: LocalIdentity | undefined,
): identity is LocalIdentity &
  Required<Pick<LocalIdentity, 'studyInstanceUid' | 'seriesInstanceUid' | 'sopInstanceUid' | 'sopClassUid'>> {
  return Boolean(
    identity?.studyInstanceUid && identity.seriesInstanceUid && identity.sopInstanceUid && identity.sopClassUid,
  );
}

/** Patient and study modules copied from the original, so the PACS files the SR with its study. */
export function patientAndStudy(identity: LocalIdentity) {
  return {
    PatientName: identity.patientName ?? '',
    PatientID: identity.patientId ?? '',
    PatientBirthDate: identity.birthDate ?? '',
    PatientSex: identity.sex ?? '',
    StudyInstanceUID: identity.studyInstanceUid,
    StudyDate: identity.studyDate ?? '',
    StudyTime: identity.studyTime ?? '',
    ReferringPhysicianName: identity.referringPhysician ?? '',
    StudyID: identity.studyId ?? '',
    AccessionNumber: identity.accessionNumber ?? '',
    ...(identity.studyDescription ? { StudyDescription: identity.studyDescription } : {}),
  };
}

export function writeReportSr(input: SrInput): Buffer {
  const { view, identity } = input;
  if (!canWriteSr(identity)) throw new Error('no original study/instance UIDs to reference');
  const latest = view.reads[view.reads.length - 1];
  if (!latest) throw new Error('no read to write');
  const uids = srUids(view.resultId, view.version);
  const signed = dicomDateTime(input.signedAt);
  const original = { ReferencedSOPClassUID: identity.sopClassUid, ReferencedSOPInstanceUID: identity.sopInstanceUid };
  const findings = latest.findings.map((f) => ({
    RelationshipType: 'CONTAINS',
    ValueType: 'TEXT',
    ConceptNameCodeSequence: code('121071', 'DCM', 'Finding'),
    TextValue: `${f.name}: ${f.decision}`,
  }));
  const impressions = [
    {
      RelationshipType: 'CONTAINS',
      ValueType: 'TEXT',
      ConceptNameCodeSequence: code('121073', 'DCM', 'Impression'),
      TextValue: latest.impression || '-',
    },
    ...(latest.addendum
      ? [
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'TEXT',
            ConceptNameCodeSequence: code('121106', 'DCM', 'Comment'),
            TextValue: `${latest.title}: ${latest.addendum}`,
          },
        ]
      : []),
  ];
  const predecessor =
    view.version > 1
      ? {
          PredecessorDocumentsSequence: [
            {
              StudyInstanceUID: identity.studyInstanceUid,
              ReferencedSeriesSequence: [
                {
                  SeriesInstanceUID: uids.series,
                  ReferencedSOPSequence: [
                    {
                      ReferencedSOPClassUID: BASIC_TEXT_SR,
                      ReferencedSOPInstanceUID: srUids(view.resultId, view.version - 1).instance,
                    },
                  ],
                },
              ],
            },
          ],
        }
      : {};
  return part10({
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: BASIC_TEXT_SR,
    SOPInstanceUID: uids.instance,
    ...patientAndStudy(identity),
    Modality: 'SR',
    SeriesInstanceUID: uids.series,
    SeriesNumber: '9001',
    SeriesDescription: 'Radiologist read (cxr-edge)',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'cxr-edge',
    InstitutionName: input.institution,
    InstanceNumber: String(view.version),
    ContentDate: signed.date,
    ContentTime: signed.time,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'VERIFIED',
    VerifyingObserverSequence: [
      {
        VerifyingObserverName: latest.reader,
        VerifyingOrganization: input.institution,
        VerificationDateTime: signed.dateTime,
        VerifyingObserverIdentificationCodeSequence: [],
      },
    ],
    ...predecessor,
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: identity.studyInstanceUid,
        ReferencedSeriesSequence: [
          { SeriesInstanceUID: identity.seriesInstanceUid, ReferencedSOPSequence: [original] },
        ],
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: code('18748-4', 'LN', 'Diagnostic Imaging Report'),
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      {
        RelationshipType: 'HAS OBS CONTEXT',
        ValueType: 'PNAME',
        ConceptNameCodeSequence: code('121008', 'DCM', 'Person Observer Name'),
        PersonName: latest.reader,
      },
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: code('121070', 'DCM', 'Findings'),
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: [
          ...findings,
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'IMAGE',
            ConceptNameCodeSequence: code('121112', 'DCM', 'Source of Measurement'),
            ReferencedSOPSequence: [original],
          },
        ],
      },
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: code('121072', 'DCM', 'Impressions'),
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: impressions,
      },
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'TEXT',
        ConceptNameCodeSequence: code('121106', 'DCM', 'Comment'),
        TextValue: `AI triage (decision support): ${view.ai.advice}${view.ai.model ? `; model ${view.ai.model}` : ''}`,
      },
    ],
  });
}
