import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAgentConfig } from '../../../agent/config.ts';

const base = {
  site: 's1',
  agentId: 'a1',
  siteSecret: 'x'.repeat(20),
  dataDir: '/var/lib/cxr',
  model: { dir: '/models/baseline' },
  mqtt: { url: 'mqtt://hub:1883' },
};

it('watches the DICOM spool like a folder, with no stability wait, when network intake is on', () => {
  const config = parseAgentConfig(
    { ...base, dicomScp: { allowedCallingAeTitles: ['XRAY1'], spoolDir: 'spool' } },
    '/etc/cxr',
  );
  assert.equal(config.dicomScp?.spoolDir, '/etc/cxr/spool');
  assert.equal(config.dicomScp?.aeTitle, 'CXR-EDGE');
  assert.equal(config.dicomScp?.port, 11112);
  const spool = config.watch.find((w) => w.path === '/etc/cxr/spool');
  assert.ok(spool);
  assert.equal(spool.stableMs, 0);
  assert.equal(spool.policy, 'move');
});

it('needs a folder to watch or network intake, and keeps the spool out of the agent’s own folders', () => {
  assert.throws(() => parseAgentConfig({ ...base }, '/etc/cxr'), /at least one folder to watch, or dicomScp/);
  assert.throws(
    () => parseAgentConfig({ ...base, dicomScp: { allowedCallingAeTitles: ['X'], spoolDir: '/var/lib/cxr/in' } }, '/'),
    /spoolDir: must not be inside dataDir/,
  );
  assert.throws(
    () =>
      parseAgentConfig(
        { ...base, watch: [{ path: '/in' }], dicomScp: { allowedCallingAeTitles: [], spoolDir: '/s' } },
        '/',
      ),
    /allowedCallingAeTitles/,
  );
  assert.throws(
    () =>
      parseAgentConfig(
        { ...base, watch: [{ path: '/in' }], dicomScp: { allowedCallingAeTitles: ['BAD\\AE'], spoolDir: '/s' } },
        '/',
      ),
    /allowedCallingAeTitles/,
  );
});

it('resolves the clinic results folder and fills the clinic defaults', () => {
  const config = parseAgentConfig({ ...base, watch: [{ path: '/in' }], clinic: { resultsDir: 'results' } }, '/etc/cxr');
  assert.equal(config.clinic?.resultsDir, '/etc/cxr/results');
  assert.deepEqual(config.clinic?.outputs, { pdf: true, json: true, sr: true });
  assert.deepEqual(config.clinic?.users, []);
  assert.equal(config.clinic?.pacs, undefined);
});
