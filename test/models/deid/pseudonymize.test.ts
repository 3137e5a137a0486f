import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { pseudonymize, pseudonymizeIdentifiers } from '../../../models/deid/pseudonymize.ts';

describe('pseudonymize', () => {
  it('is HMAC-SHA256 in full 64 hex digits', () => {
    const key = pseudonymize('site-secret', '1.2.3.4');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(key, createHmac('sha256', 'site-secret').update('1.2.3.4').digest('hex'));
  });

  it('is stable for one secret and differs across secrets and values', () => {
    assert.equal(pseudonymize('a', 'x'), pseudonymize('a', 'x'));
    assert.equal(pseudonymize(Buffer.from('a'), 'x'), pseudonymize('a', 'x'));
    assert.notEqual(pseudonymize('a', 'x'), pseudonymize('b', 'x'));
    assert.notEqual(pseudonymize('a', 'x'), pseudonymize('a', 'y'));
  });

  it('keys each identifier present, leaves absent ones absent and never echoes a value', () => {
    const ids = { studyInstanceUid: '1.2.840.1', sopInstanceUid: '1.2.840.1', patientId: 'Covid0000' };
    const keys = pseudonymizeIdentifiers('s3cret', ids);
    assert.deepEqual(Object.keys(keys).sort(), ['instance', 'patient', 'study']);
    assert.equal(keys.series, undefined);
    // The same UID as study and as instance gets two different keys (domain-separated).
    assert.notEqual(keys.study, keys.instance);
    const text = JSON.stringify(keys);
    for (const value of Object.values(ids)) assert.ok(!text.includes(value));
  });
});
