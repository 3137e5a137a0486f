import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dicomDate, personName, reportView, tierWording } from '../../../agent/clinic/report-view.ts';
import { clinicReport, storedIdentity } from './clinic-fixtures.ts';

it('turns DICOM person names and dates into what clinic staff read', () => {
  assert.equal(personName('Quaxley^Zéphyrine^Ann^Dr'), 'Quaxley, Dr Zéphyrine Ann');
  assert.equal(personName('Anonymized'), 'Anonymized');
  assert.equal(personName('^Ann'), 'Ann');
  assert.equal(personName('Doe^John=ドウ^ジョン'), 'Doe, John');
  assert.equal(dicomDate('20261201'), '2026-12-01');
});

it('words the AI tier, and calls a result without triage "scored"', () => {
  assert.equal(tierWording('urgent').advice, 'urgent — consider immediate review');
  assert.equal(tierWording('urgent').urgent, true);
  assert.equal(tierWording(undefined).label, 'Scored');
  assert.equal(tierWording('likely-normal').urgent, false);
});

it('keeps the original read first and marks each addendum, up to the version asked for', () => {
  const v1 = clinicReport();
  const v2 = clinicReport({ version: 2, addendum: 'Unchanged.' });
  const v3 = clinicReport({ version: 3, addendum: 'Again.' });
  const view = reportView(v1.resultId, storedIdentity(), [v3, v1, v2], 2);
  assert.deepEqual(
    view.reads.map((r) => r.title),
    ['Original read', 'Addendum 1'],
  );
  assert.equal(view.version, 2);
  assert.equal(view.patient.name, 'Quaxley, Zéphyrine');
  assert.deepEqual(view.reads[0]?.findings[0], { name: 'Pneumonia', decision: 'present' }, 'present findings first');
  assert.equal(view.ai.advice, 'urgent — consider immediate review');
});

it('still makes a view when the agent has no identity for the result', () => {
  const view = reportView('a'.repeat(64), undefined, [clinicReport()]);
  assert.equal(view.patient.name, 'Not found on this agent');
  assert.equal(view.reads.length, 1);
});
