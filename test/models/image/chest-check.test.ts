import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChest, DEFAULT_CHEST_POLICY } from '../../../models/image/chest-check.ts';

describe('checkChest', () => {
  it('accepts CR and DX with body part CHEST or empty', () => {
    assert.equal(checkChest({ format: 'dicom', modality: 'CR', bodyPart: 'CHEST' }).isChest, true);
    assert.equal(checkChest({ format: 'dicom', modality: 'DX' }).isChest, true);
    assert.equal(checkChest({ format: 'dicom', modality: 'dx', bodyPart: 'chest' }).isChest, true);
  });

  it('rejects other modalities with a reason naming the modality', () => {
    const verdict = checkChest({ format: 'dicom', modality: 'OT', bodyPart: 'CHEST' });
    assert.deepEqual(verdict, { isChest: false, reason: 'modality OT is not a radiograph (CR/DX)' });
    assert.equal(checkChest({ format: 'dicom', modality: 'CT', bodyPart: 'CHEST' }).isChest, false);
    assert.equal(checkChest({ format: 'dicom' }).isChest, false);
  });

  it('rejects another body part', () => {
    const verdict = checkChest({ format: 'dicom', modality: 'DX', bodyPart: 'KNEE' });
    assert.equal(verdict.isChest, false);
    assert.match(verdict.reason ?? '', /KNEE/);
  });

  it('rejects an empty body part when a description names another anatomy, as whole words only', () => {
    const teeth = checkChest({ format: 'dicom', modality: 'CR', descriptions: ['MODALITYLUT - TEETH'] });
    assert.equal(teeth.isChest, false);
    assert.match(teeth.reason ?? '', /TEETH/);
    for (const description of ['BILATERAL KNEES', 'XR FEMUR LEFT 2V', 'Sinuses OM', 'KUB supine']) {
      assert.equal(
        checkChest({ format: 'dicom', modality: 'DX', descriptions: [description] }).isChest,
        false,
        description,
      );
    }
    // "Headache" contains HEAD but is not the word HEAD.
    assert.equal(checkChest({ format: 'dicom', modality: 'DX', descriptions: ['Chest PA, headache'] }).isChest, true);
  });

  it('follows the policy: stricter body part rule, extra modalities, rasters not assumed chest', () => {
    const strict = { ...DEFAULT_CHEST_POLICY, allowMissingBodyPart: false };
    assert.equal(checkChest({ format: 'dicom', modality: 'DX' }, strict).isChest, false);
    const withOt = { ...DEFAULT_CHEST_POLICY, modalities: ['CR', 'DX', 'OT'] };
    assert.equal(checkChest({ format: 'dicom', modality: 'OT' }, withOt).isChest, true);
    assert.equal(checkChest({ format: 'png' }).isChest, true);
    const noRaster = { ...DEFAULT_CHEST_POLICY, rasterIsChest: false };
    assert.equal(checkChest({ format: 'jpeg' }, noRaster).isChest, false);
  });
});
