/**
 * The DICOM receiver against independent peers: DCMTK's `echoscu`/`storescu` (separate processes) and
 * dcmjs-dimse's client. An instance is in the spool, whole and identical in content, before success is answered;
 * an unknown device is rejected and the receiver keeps serving; a data set that does not match its command gets
 * a failure status and leaves nothing behind; an abandoned transfer leaves no temp file.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import dimse from 'dcmjs-dimse';
import pino from 'pino';
import { readPart10 } from '../../../../agent/clinic/dicom-part10.ts';
import { decideAssociation, decideContext } from '../../../../agent/intake/dicom-scp/association-policy.ts';
import { type DicomScp, startDicomScp } from '../../../../agent/intake/dicom-scp/dicom-scp.ts';
import { SpoolFile } from '../../../../agent/intake/dicom-scp/spool-file.ts';
import { SAMPLES } from '../../fixture.ts';

const run = promisify(execFile);
const dcmtk = spawnSync('which', ['storescu']).status === 0;
const FILM = join(SAMPLES, 'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');
const spoolDir = mkdtempSync(join(tmpdir(), 'cxr-spool-'));
let scp: DicomScp;

before(async () => {
  scp = await startDicomScp(
    { aeTitle: 'CXR-EDGE', port: 0, host: '127.0.0.1', allowedCallingAeTitles: ['XRAY1'], spoolDir, timeoutMs: 5000 },
    pino({ level: 'silent' }),
  );
});
after(() => scp.close());

const spooled = () => readdirSync(spoolDir).filter((n) => n.endsWith('.dcm'));

it('accepts only its own AE title from allowed devices, and the syntaxes the reader decodes', () => {
  const config = { aeTitle: 'CXR-EDGE', allowedCallingAeTitles: ['XRAY1'] };
  assert.deepEqual(decideAssociation({ calledAeTitle: 'CXR-EDGE ', callingAeTitle: 'XRAY1' }, config), {
    accept: true,
  });
  assert.equal(decideAssociation({ calledAeTitle: 'OTHER', callingAeTitle: 'XRAY1' }, config).accept, false);
  assert.equal(decideAssociation({ calledAeTitle: 'CXR-EDGE', callingAeTitle: 'xray1' }, config).accept, false);
  const dx = '1.2.840.10008.5.1.4.1.1.1.1';
  assert.deepEqual(decideContext(dx, ['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.1']), {
    accept: true,
    transferSyntax: '1.2.840.10008.1.2.4.90',
  });
  assert.deepEqual(decideContext(dx, ['1.2.840.10008.1.2.4.100']), { accept: false, reason: 'transfer-syntax' });
  assert.deepEqual(decideContext('1.2.840.10008.5.1.4.1.1.4', ['1.2.840.10008.1.2']), {
    accept: false,
    reason: 'abstract-syntax',
  });
});

it('answers C-ECHO and stores a pushed film whole before answering success', { skip: !dcmtk }, async () => {
  await run('echoscu', ['-aet', 'XRAY1', '-aec', 'CXR-EDGE', '127.0.0.1', String(scp.port)]);
  await run('storescu', ['-aet', 'XRAY1', '-aec', 'CXR-EDGE', '127.0.0.1', String(scp.port), FILM]);
  // storescu has exited with success: the file must already be complete in the spool.
  const [name] = spooled();
  assert.ok(name);
  const received = readPart10(readFileSync(join(spoolDir, name))) as Record<string, unknown>;
  const original = readPart10(readFileSync(FILM)) as Record<string, unknown>;
  assert.equal(received.SOPInstanceUID, original.SOPInstanceUID);
  assert.deepEqual(received.PatientName, original.PatientName);
  assert.equal(
    (received.PixelData as ArrayBuffer[])[0]?.byteLength,
    (original.PixelData as ArrayBuffer[])[0]?.byteLength,
  );
  assert.equal(readdirSync(spoolDir).filter((n) => n.endsWith('.tmp')).length, 0);
});

it('rejects an unknown device and keeps serving the next one', { skip: !dcmtk }, async () => {
  const before = spooled().length;
  await assert.rejects(run('storescu', ['-aet', 'STRANGER', '-aec', 'CXR-EDGE', '127.0.0.1', String(scp.port), FILM]));
  assert.equal(spooled().length, before);
  await run('echoscu', ['-aet', 'XRAY1', '-aec', 'CXR-EDGE', '127.0.0.1', String(scp.port)]);
});

it('answers a failure status for a data set that does not match its command, leaving nothing', async () => {
  const before = readdirSync(spoolDir).length;
  const client = new dimse.Client();
  const dataset = new dimse.Dataset(readPart10(readFileSync(FILM)), '1.2.840.10008.1.2.1');
  const request = new dimse.requests.CStoreRequest(dataset);
  request.setAffectedSopInstanceUid('1.2.826.0.1.3680043.9.7777.1'); // the command now names another instance
  const statuses: number[] = [];
  request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
    statuses.push(response.getStatus());
  });
  client.addRequest(request);
  await new Promise<void>((resolve) => {
    client.on('closed', () => resolve());
    client.send('127.0.0.1', scp.port, 'XRAY1', 'CXR-EDGE', { associationTimeout: 5000, pduTimeout: 5000 });
  });
  assert.deepEqual(statuses, [0xa900]);
  assert.equal(readdirSync(spoolDir).length, before);
});

it('drops an abandoned transfer without leaving a temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-spool-abandon-'));
  const spool = new SpoolFile(dir, {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
    sopInstanceUid: '1.2.3',
    transferSyntaxUid: '1.2.840.10008.1.2',
    callingAeTitle: 'XRAY1',
  });
  spool.write(Buffer.alloc(1000));
  await spool.discard();
  assert.deepEqual(readdirSync(dir), []);
});
