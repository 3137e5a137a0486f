import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { readPart10 } from '../../../agent/clinic/dicom-part10.ts';
import { reportView } from '../../../agent/clinic/report-view.ts';
import { srUids, writeReportSr } from '../../../agent/clinic/write-sr.ts';
import { clinicReport, RESULT_ID, storedIdentity } from './clinic-fixtures.ts';

const dsrdump = spawnSync('which', ['dsrdump']).status === 0;
// biome-ignore lint/suspicious/noExplicitAny: dcmjs's naturalized data sets are untyped nested JSON, read by keyword here
type Dataset = Record<string, any>;

function sr(version: number): Buffer {
  const reports = [clinicReport(), clinicReport({ version: 2, addendum: 'Unchanged on review.' })];
  const identity = storedIdentity();
  return writeReportSr({
    view: reportView(RESULT_ID, identity, reports, version),
    identity: identity.identity,
    signedAt: new Date('2026-12-01T10:00:00Z'),
    institution: 'Clinic One',
  });
}

it('writes a verified Basic Text SR in the original study that references the original instance', () => {
  const ds = readPart10(sr(1)) as Dataset;
  assert.equal(ds.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.11');
  assert.equal(ds.SOPInstanceUID, srUids(RESULT_ID, 1).instance);
  assert.equal(ds.StudyInstanceUID, '1.2.3.4');
  assert.equal(ds.PatientID, 'ZQ-1');
  assert.equal(ds.AccessionNumber, 'ACC-1');
  assert.equal(ds.VerificationFlag, 'VERIFIED');
  const evidence = ds.CurrentRequestedProcedureEvidenceSequence[0];
  assert.equal(evidence.ReferencedSeriesSequence[0].SeriesInstanceUID, '1.2.3.4.5');
  assert.equal(evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID, '1.2.3.4.5.6');
  const texts = JSON.stringify(ds.ContentSequence);
  assert.match(texts, /Pneumonia: present/);
  assert.match(texts, /Right lower lobe consolidation/);
  assert.equal(ds.PredecessorDocumentsSequence, undefined);
});

it('names the previous version in the Predecessor Documents Sequence of an addendum', () => {
  const ds = readPart10(sr(2)) as Dataset;
  const predecessor = ds.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0];
  assert.equal(predecessor.ReferencedSOPInstanceUID, srUids(RESULT_ID, 1).instance);
  assert.match(JSON.stringify(ds.ContentSequence), /Addendum 1: Unchanged on review/);
});

it('gives the same SR the same bytes (a re-sent report is one object at the PACS)', () => {
  assert.deepEqual(sr(1), sr(1));
});

it('is read by DCMTK as a Basic Text SR document', { skip: dsrdump ? false : 'dcmtk not installed' }, () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cxr-sr-')), 'sr.dcm');
  writeFileSync(path, sr(2));
  const dump = execFileSync('dsrdump', [path], { encoding: 'utf8' });
  assert.match(dump, /Basic Text SR Document/);
  assert.match(dump, /Quaxley\^Zéphyrine/);
  assert.match(dump, /Predecessor Docs/);
});
