import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { viewFromTags, viewOfMeta } from '../../../models/image/view-projection.ts';

describe('viewFromTags', () => {
  it('reads View Position first', () => {
    assert.deepEqual(viewFromTags({ viewPosition: 'LL' }), { kind: 'lateral', source: 'View Position', said: 'LL' });
    assert.deepEqual(viewFromTags({ viewPosition: ' rl ' }), { kind: 'lateral', source: 'View Position', said: 'RL' });
    assert.deepEqual(viewFromTags({ viewPosition: 'PA', patientOrientation: 'A\\F' }), {
      kind: 'frontal',
      source: 'View Position',
      said: 'PA',
    });
    assert.equal(viewFromTags({ viewPosition: 'LLD' }).kind, 'frontal', 'a decubitus film is frontal');
    assert.deepEqual(viewFromTags({}), { kind: 'unknown' });
    assert.deepEqual(viewFromTags({ viewPosition: 'XYZ' }), { kind: 'unknown' });
  });

  it('falls back to the View Code Sequence, leaving obliques and decubitus views undecided', () => {
    assert.deepEqual(viewFromTags({ viewPosition: '', viewCodeMeanings: ['Left Lateral'] }), {
      kind: 'lateral',
      source: 'View Code Sequence',
      said: 'left lateral',
    });
    assert.equal(viewFromTags({ viewCodeMeanings: ['latero-medial'] }).kind, 'lateral');
    assert.equal(viewFromTags({ viewCodeMeanings: ['postero-anterior'] }).kind, 'frontal');
    assert.equal(viewFromTags({ viewCodeMeanings: ['left lateral oblique'] }).kind, 'unknown');
    assert.equal(viewFromTags({ viewCodeMeanings: ['right lateral decubitus'] }).kind, 'unknown');
  });

  it('reads Patient Orientation: rows running anterior or posterior make a lateral film', () => {
    assert.deepEqual(viewFromTags({ patientOrientation: 'A\\F' }), {
      kind: 'lateral',
      source: 'Patient Orientation',
      said: 'A\\F',
    });
    assert.equal(viewFromTags({ patientOrientation: 'p\\h' }).kind, 'lateral');
    assert.equal(viewFromTags({ patientOrientation: 'L\\F' }).kind, 'frontal');
    assert.equal(viewFromTags({ patientOrientation: 'AL\\F' }).kind, 'unknown', 'oblique rows');
    assert.equal(viewFromTags({ patientOrientation: 'A\\L' }).kind, 'unknown', 'an axial image');
    assert.equal(viewFromTags({ patientOrientation: 'A' }).kind, 'unknown');
  });

  it('reads the series description or protocol name when it names one kind only, and says only the word', () => {
    assert.deepEqual(viewFromTags({ seriesDescription: 'Thorax lat. stehend' }), {
      kind: 'lateral',
      source: 'Series Description',
      said: 'LAT',
    });
    assert.deepEqual(viewFromTags({ seriesDescription: 'XR', protocolName: 'CHEST_LATERAL' }), {
      kind: 'lateral',
      source: 'Protocol Name',
      said: 'LATERAL',
    });
    assert.equal(viewFromTags({ seriesDescription: 'CHEST PA' }).kind, 'frontal');
    assert.equal(viewFromTags({ seriesDescription: 'CHEST PA + LAT' }).kind, 'unknown', 'both named');
    assert.equal(viewFromTags({ seriesDescription: 'CHEST LAT DECUB' }).kind, 'unknown');
    assert.equal(viewFromTags({ seriesDescription: 'LATERALITY MARKER CHECK' }).kind, 'unknown', 'whole words only');
    assert.equal(
      viewFromTags({ patientOrientation: 'L\\F', seriesDescription: 'CHEST LAT' }).kind,
      'frontal',
      'a coded tag before free text',
    );
  });

  it("takes the reader's verdict from meta, else View Position alone", () => {
    const fromReader = { kind: 'lateral' as const, source: 'Patient Orientation' as const, said: 'A\\F' };
    assert.equal(viewOfMeta({ view: fromReader, viewPosition: 'PA' }), fromReader);
    assert.equal(viewOfMeta({ viewPosition: 'LL' }).kind, 'lateral');
    assert.deepEqual(viewOfMeta({}), { kind: 'unknown' });
  });
});
