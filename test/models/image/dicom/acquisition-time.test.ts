import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acquisitionTime,
  parseDicomDateTime,
  plausibleAcquisition,
} from '../../../../models/image/dicom/acquisition-time.ts';

const ds = (tags: Record<string, string>) => ({ string: (tag: string) => tags[tag] });

describe('acquisition time', () => {
  it('prefers Acquisition DateTime with its own offset', () => {
    const at = acquisitionTime(
      ds({ x0008002a: '20261130142501.5+0100', x00080022: '20200101', x00080032: '000000', x00080201: '-0500' }),
    );
    assert.equal(at?.toISOString(), '2026-11-30T13:25:01.500Z');
  });

  it('falls back to Acquisition Date + Time, then Content Date + Time, with Timezone Offset From UTC', () => {
    assert.equal(
      acquisitionTime(ds({ x00080022: '20261130', x00080032: '0930', x00080201: '+0200' }))?.toISOString(),
      '2026-11-30T07:30:00.000Z',
    );
    assert.equal(
      acquisitionTime(ds({ x00080023: '20261129', x00080033: '235959.123456', x00080201: '+0000' }))?.toISOString(),
      '2026-11-29T23:59:59.123Z',
    );
  });

  it("reads a time without an offset in the agent's local time zone", () => {
    const at = acquisitionTime(ds({ x00080022: '20261130', x00080032: '101500' }));
    assert.equal(at?.getTime(), new Date(2026, 10, 30, 10, 15, 0).getTime());
  });

  it('ignores malformed values and says nothing when the header has no time', () => {
    assert.equal(acquisitionTime(ds({ x00080022: '2026-11-30', x00080032: '25:00' })), undefined);
    assert.equal(acquisitionTime(ds({ x00080022: '20261340' })), undefined);
    assert.equal(acquisitionTime(ds({})), undefined);
    assert.equal(parseDicomDateTime('20261130', '1261'), undefined);
  });

  it('ignores an acquisition time in the future or more than 30 days old (an unset modality clock)', () => {
    const received = new Date('2026-12-01T10:00:00Z');
    const fine = new Date('2026-12-01T09:00:00Z');
    assert.equal(plausibleAcquisition(fine, received), fine);
    assert.equal(plausibleAcquisition(new Date('2000-01-01T00:00:00Z'), received), undefined);
    assert.equal(plausibleAcquisition(new Date('2026-12-01T11:00:00Z'), received), undefined);
    assert.equal(plausibleAcquisition(undefined, received), undefined);
  });
});
