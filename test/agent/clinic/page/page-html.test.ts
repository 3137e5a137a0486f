import assert from 'node:assert/strict';
import { it } from 'node:test';
import { escapeHtml, listHtml, type StudyRow } from '../../../../agent/clinic/page/page-html.ts';
import { healthWords } from '../../../../agent/clinic/start-clinic.ts';

const row = (overrides: Partial<StudyRow> = {}): StudyRow => ({
  resultId: 'ab'.repeat(32),
  patient: 'Quaxley, Zéphyrine',
  study: '2026-12-01',
  images: 2,
  tierLabel: 'Urgent',
  advice: 'urgent — consider immediate review',
  urgent: true,
  status: 'Waiting for a radiologist',
  read: false,
  ...overrides,
});
const health = { lines: ['Connected.'], ok: true };

it('raises an alert for an urgent study until it is read', () => {
  assert.match(listHtml('Clinic', 'nurse', health, [row()]), /role="alert"[^>]*><a [^>]*>URGENT — Quaxley, Zéphyrine/);
  assert.doesNotMatch(listHtml('Clinic', 'nurse', health, [row({ read: true })]), /URGENT —/);
  assert.doesNotMatch(listHtml('Clinic', 'nurse', health, [row({ urgent: false })]), /URGENT —/);
});

it('escapes every value a file could carry into the page', () => {
  const html = listHtml('Clinic', 'nurse', health, [
    row({ patient: '<script>alert(1)</script>', study: '"><img src=x>' }),
  ]);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<img src=x>/);
  assert.equal(escapeHtml(`a&b<c>"d'`), 'a&amp;b&lt;c&gt;&quot;d&#39;');
});

it('says in plain words what is wrong with the agent', () => {
  const facts = {
    broker: 'disconnected' as const,
    backlog: 3,
    outbox: 5,
    intakePaused: true,
    quarantined: 0,
    dicomListening: false,
  };
  const words = healthWords(facts, 1);
  assert.equal(words.ok, false);
  assert.match(words.lines.join(' '), /Not connected to the radiologists’ hub/);
  assert.match(words.lines.join(' '), /Disk nearly full/);
  assert.match(words.lines.join(' '), /DICOM receiver is not running/);
  assert.match(words.lines.join(' '), /3 film\(s\) waiting/);
});
