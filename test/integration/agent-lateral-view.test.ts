/**
 * Lateral films flagged from the tags that say so, in the agent with the bundled model (real OpenVINO, SQLite,
 * DCMTK's dcmodify to write the tags). A chest DX without View Position is copied three times and each copy
 * given one other tag that names a lateral projection: Patient Orientation "A\F", a View Code Sequence meaning
 * "left lateral", a series description "CHEST LAT". Each is quarantined with CXR_ERR_LATERAL_VIEW and a reason
 * naming the tag; the untouched file is scored.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SAMPLES } from '../agent/fixture.ts';
import { type OfflineAgent, quarantined, startOfflineAgent, untilHandled } from '../agent/offline-agent.ts';
import { tempDir } from '../hub/fixtures.ts';

const DX = join(SAMPLES, 'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');
const hasDcmodify = spawnSync('which', ['dcmodify']).status === 0;

/** A copy of the DX with one tag inserted by dcmodify. */
function withTag(dir: string, name: string, assignment: string): string {
  const path = join(dir, name);
  copyFileSync(DX, path);
  const run = spawnSync('dcmodify', ['-nb', '-i', assignment, path], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return path;
}

describe('lateral films in the agent (bundled model)', { skip: hasDcmodify ? false : 'needs dcmtk (dcmodify)' }, () => {
  let offline: OfflineAgent;
  before(async () => {
    offline = await startOfflineAgent();
  });
  after(() => offline?.agent.close());

  it('quarantines the copies whose tags say lateral, with the tag in the reason, and scores the frontal film', async () => {
    const work = tempDir('cxr-lateral-');
    const made = [
      withTag(work, 'orientation.dcm', '(0020,0020)=A\\F'),
      withTag(work, 'view-code.dcm', '(0054,0220)[0].(0008,0104)=left lateral'),
      withTag(work, 'series.dcm', '(0008,103e)=CHEST LAT'),
    ];
    const { fx, agent } = offline;
    for (const path of made) copyFileSync(path, join(fx.inDir, path.split('/').pop()!));
    copyFileSync(DX, join(fx.inDir, 'frontal.dcm'));

    await untilHandled(offline, { quarantined: 3, scored: 1 });
    const found = Object.fromEntries(
      Object.entries(quarantined(fx)).map(([name, error]) => [name, `${error.code}: ${error.message}`]),
    );
    assert.deepEqual(Object.keys(found).sort(), ['orientation.dcm', 'series.dcm', 'view-code.dcm']);
    assert.match(found['orientation.dcm']!, /^CXR_ERR_LATERAL_VIEW: .*Patient Orientation A\\F/);
    assert.match(found['view-code.dcm']!, /^CXR_ERR_LATERAL_VIEW: .*View Code Sequence left lateral/);
    assert.match(found['series.dcm']!, /^CXR_ERR_LATERAL_VIEW: .*Series Description LAT\)/);
    assert.equal(agent.store.outboxSize(), 1, 'the frontal film has its result');
  });
});
