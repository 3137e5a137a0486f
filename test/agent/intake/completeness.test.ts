import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateFilter, checkStable, retryIncomplete } from '../../../agent/intake/completeness.ts';

describe('candidate names', () => {
  const any = candidateFilter(['*']);
  it('ignores dotfiles, in-progress names and our own .error.json', () => {
    for (const name of [
      '.hidden.dcm',
      'a.dcm.part',
      'a.tmp',
      'b.DCM.PART',
      'c.crdownload',
      'x.dcm~',
      'a.dcm.error.json',
    ]) {
      assert.equal(any(name), false, name);
    }
  });
  it('admits extensionless DICOMs and ordinary names with *', () => {
    for (const name of ['IM0001', 'a.dcm', 'chest.png', 'x.jpeg']) assert.equal(any(name), true, name);
  });
  it('matches include globs case-insensitively and only them', () => {
    const dcm = candidateFilter(['*.dcm', 'IM?']);
    assert.equal(dcm('A.DCM'), true);
    assert.equal(dcm('IM1'), true);
    assert.equal(dcm('IM12'), false);
    assert.equal(dcm('a.png'), false);
    assert.equal(candidateFilter(['a.b*'])('axb'), false, 'dots are literal');
  });
});

describe('completeness', () => {
  const look = (sizeBytes: number, mtimeMs: number, atMs: number) => ({ sizeBytes, mtimeMs, atMs });
  it('needs a second look before calling a file complete', () => {
    assert.deepEqual(checkStable(undefined, look(10, 1, 100), 500), {
      complete: false,
      recheckInMs: 500,
      since: look(10, 1, 100),
    });
  });
  it('is complete when size and mtime are unchanged across looks stableMs apart', () => {
    assert.deepEqual(checkStable(look(10, 1, 100), look(10, 1, 600), 500), { complete: true });
  });
  it('waits out the remainder when the looks are too close together, counting from the first look', () => {
    assert.deepEqual(checkStable(look(10, 1, 100), look(10, 1, 400), 500), {
      complete: false,
      recheckInMs: 200,
      since: look(10, 1, 100),
    });
  });
  it('converges however early the re-checks come (the wait is measured from the first look of a state)', () => {
    let since = look(10, 1, 0);
    let t = 0;
    for (let i = 0; i < 3; i++) {
      t += 190; // always a little early
      const s = checkStable(since, look(10, 1, t), 500);
      if (s.complete) break;
      since = s.since;
    }
    assert.deepEqual(checkStable(since, look(10, 1, 570), 500), { complete: true });
  });
  it('restarts the wait when a paused writer has added bytes or touched the file', () => {
    assert.equal(checkStable(look(10, 1, 100), look(20, 2, 5000), 500).complete, false);
    assert.equal(checkStable(look(10, 1, 100), look(10, 2, 5000), 500).complete, false);
  });
  it('calls an unchanged empty file complete (admission then refuses it), not "still being written" forever', () => {
    assert.equal(checkStable(look(0, 1, 0), look(0, 1, 10_000), 500).complete, true);
    assert.equal(checkStable(look(0, 1, 0), look(0, 1, 100), 500).complete, false);
  });
});

describe('unfinished DICOMs', () => {
  it('retries a truncated DICOM while it is younger than the grace period', () => {
    assert.equal(retryIncomplete('CXR_ERR_DICOM_TRUNCATED', 1000, 1500, 1000), true);
  });
  it('quarantines it once the grace period has passed', () => {
    assert.equal(retryIncomplete('CXR_ERR_DICOM_TRUNCATED', 1000, 2500, 1000), false);
  });
  it('never retries errors that a longer wait cannot fix', () => {
    assert.equal(retryIncomplete('CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX', 1000, 1001, 60_000), false);
    assert.equal(retryIncomplete('CXR_ERR_NOT_AN_IMAGE', 1000, 1001, 60_000), false);
  });
});
