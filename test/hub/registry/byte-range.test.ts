import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decideRange } from '../../../hub/registry/byte-range.ts';
import { createCapabilityTokens } from '../../../hub/registry/capability-token.ts';

it('reads single byte ranges: a-b, a-, -n, capped at the end', () => {
  assert.deepEqual(decideRange(undefined, 100), { kind: 'full' });
  assert.deepEqual(decideRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(decideRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(decideRange('bytes=90-500', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(decideRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(decideRange('bytes=-500', 100), { kind: 'partial', start: 0, end: 99 });
});

it('answers unsatisfiable from the end on, and ignores what it does not support', () => {
  assert.deepEqual(decideRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(decideRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  for (const header of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3', 'bytes=-', 'nonsense']) {
    assert.deepEqual(decideRange(header, 100), { kind: 'full' }, header);
  }
  assert.deepEqual(decideRange('bytes=5-', 100, { header: '"old"', etag: '"new"' }), { kind: 'full' });
  assert.deepEqual(decideRange('bytes=5-', 100, { header: '"new"', etag: '"new"' }), {
    kind: 'partial',
    start: 5,
    end: 99,
  });
});

it('binds a capability token to the agent and the version', () => {
  const tokens = createCapabilityTokens(Buffer.alloc(32, 7));
  const a = { site: 'clinic-a', agent: 'xr-1' };
  const token = tokens.tokenFor(a, '1.0.0');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(tokens.verify(a, '1.0.0', token), true);
  assert.equal(tokens.verify(a, '1.0.1', token), false);
  assert.equal(tokens.verify({ site: 'clinic-a', agent: 'xr-2' }, '1.0.0', token), false);
  assert.equal(tokens.verify(a, '1.0.0', token.toUpperCase()), false);
  assert.equal(tokens.verify(a, '1.0.0', 'abc'), false);
  assert.notEqual(createCapabilityTokens(Buffer.alloc(32, 8)).tokenFor(a, '1.0.0'), token, 'another hub secret');
});
