/**
 * The PACS sender against a real, independent SCP: DCMTK's `storescp` (a separate process) receives the SR and
 * the Secondary Capture; a PACS that is not there gives CXR_ERR_AGENT_PACS_SEND_FAILED.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import sharp from 'sharp';
import { readPart10 } from '../../../agent/clinic/dicom-part10.ts';
import { sendToPacs } from '../../../agent/clinic/pacs-sender.ts';
import { reportView } from '../../../agent/clinic/report-view.ts';
import { writeSecondaryCapture } from '../../../agent/clinic/write-secondary-capture.ts';
import { writeReportSr } from '../../../agent/clinic/write-sr.ts';
import { freePort } from '../../support/mosquitto.ts';
import { clinicReport, RESULT_ID, storedIdentity } from './clinic-fixtures.ts';

const storescp = spawnSync('which', ['storescp']).status === 0;
let pacs: ChildProcess | undefined;
after(() => pacs?.kill());

/** Resolves once something accepts TCP connections on the port (storescp has started). */
async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    assert.ok(Date.now() < deadline, 'storescp did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function objects() {
  const identity = storedIdentity();
  const view = reportView(RESULT_ID, identity, [clinicReport()]);
  const film = await sharp({ create: { width: 64, height: 80, channels: 3, background: '#777777' } })
    .jpeg()
    .toBuffer();
  return [
    writeReportSr({ view, identity: identity.identity, signedAt: new Date('2026-12-01T10:00:00Z'), institution: 'C' }),
    await writeSecondaryCapture({ view, identity: identity.identity, film, madeAt: new Date(0), institution: 'C' }),
  ];
}

it('stores the SR and the Secondary Capture on a DCMTK storescp', {
  skip: storescp ? false : 'dcmtk not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-pacs-'));
  const port = await freePort();
  pacs = spawn('storescp', ['-aet', 'PACS', '-od', dir, '+xa', String(port)], { stdio: 'ignore' });
  await listening(port);
  const target = { host: '127.0.0.1', port, calledAeTitle: 'PACS', callingAeTitle: 'CXR-EDGE', timeoutMs: 5000 };
  await sendToPacs(target, await objects());
  const stored = readdirSync(dir).sort();
  assert.equal(stored.length, 2, stored.join(', '));
  const classes = stored.map(
    (name) => (readPart10(readFileSync(join(dir, name))) as { SOPClassUID: string }).SOPClassUID,
  );
  assert.deepEqual(classes.sort(), ['1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.5.1.4.1.1.88.11']);
});

it('fails with CXR_ERR_AGENT_PACS_SEND_FAILED when no PACS listens', async () => {
  const port = await freePort();
  const target = { host: '127.0.0.1', port, calledAeTitle: 'PACS', callingAeTitle: 'CXR-EDGE', timeoutMs: 2000 };
  await assert.rejects(sendToPacs(target, await objects()), { code: 'CXR_ERR_AGENT_PACS_SEND_FAILED' });
});
