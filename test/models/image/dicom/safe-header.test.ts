import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  ageBand,
  parseAgeString,
  parseSpacing,
  readSafeHeader,
  yearsBetween,
} from '../../../../models/image/dicom/safe-header.ts';

const header = (tags: Record<string, string>) => ({ string: (tag: string) => tags[tag] });

it('reads age bands, sex, spacing with its source, burned-in annotation and portable films', () => {
  assert.equal(ageBand(parseAgeString('047Y')), '45-49');
  assert.equal(ageBand(parseAgeString('018M')), '0-4');
  assert.equal(ageBand(93), '90+');
  assert.equal(yearsBetween('19700615', '20200614'), 49);
  assert.equal(yearsBetween('19700615', 'garbage'), undefined);
  assert.deepEqual(parseSpacing('0.139\\0.14'), [0.139, 0.14]);
  assert.equal(parseSpacing('0.139'), undefined);
  assert.deepEqual(
    readSafeHeader(
      header({ x00280301: 'YES', x00181164: '0.2\\0.2', x00100030: '19500101', x00080020: '20240301', x00100040: 'f' }),
      ['CHEST AP PORTABLE'],
    ),
    {
      burnedInAnnotation: 'YES',
      pixelSpacingMm: [0.2, 0.2],
      spacingSource: 'ImagerPixelSpacing',
      ageBand: '70-74',
      sex: 'F',
      portable: true,
    },
  );
  assert.deepEqual(readSafeHeader(header({ x00280030: '0.1\\0.1', x00181164: '0.2\\0.2' }), []), {
    pixelSpacingMm: [0.1, 0.1],
    spacingSource: 'PixelSpacing',
  });
});
