/**
 * The pipeline's hand-off to the clinic: the identity is read from the DICOM header and kept locally; an urgent
 * result runs the alert hook once, with the result id as its only data (a real command, no shell).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import pino from 'pino';
import { clinicRecorder } from '../../../agent/clinic/clinic-recorder.ts';
import { urgentAlert } from '../../../agent/clinic/urgent-alert.ts';
import { openAgentDatabase } from '../../../agent/store/database.ts';
import { IdentityStore } from '../../../agent/store/identity-store.ts';
import { resultMessage } from '../../hub/fixtures.ts';
import { SAMPLES } from '../fixture.ts';

it('keeps the identity from the header and runs the urgent hook once per result', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cxr-recorder-'));
  const identities = new IdentityStore(openAgentDatabase(join(root, 'agent.db')));
  const urgent = urgentAlert({
    identities,
    command: ['touch', join(root, 'alert-{tier}-{result}')],
    timeoutMs: 5000,
    log: pino({ level: 'silent' }),
    now: Date.now,
  });
  const recorder = clinicRecorder({ identities, now: Date.now, urgent });
  const bytes = readFileSync(join(SAMPLES, 'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm'));
  const base = await resultMessage();
  const result = {
    ...base,
    triage: {
      tier: 'urgent' as const,
      score: 0.9,
      findings: ['Pneumonia'],
      urgentFindings: ['Pneumonia'],
      findingClasses: ['Pneumonia'],
      operatingPoints: { Pneumonia: { threshold: 0.5, urgentThreshold: 0.8 } },
    },
  };
  recorder.record(result, { bytes, path: '/incoming/chest.dcm' });
  recorder.record(result, { bytes, path: '/incoming/chest.dcm' }); // retried file: no second alert
  const stored = identities.get(result.resultId);
  assert.equal(stored?.identity.patientName, 'Covid0000');
  assert.equal(stored?.identity.fileName, 'chest.dcm');
  assert.equal(stored?.summary.tier, 'urgent');
  const file = join(root, `alert-urgent-${result.resultId}`);
  const deadline = Date.now() + 5000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(file), 'the hook ran');
  assert.equal(readdirSync(root).filter((n) => n.startsWith('alert-')).length, 1);
});
