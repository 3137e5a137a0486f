import assert from 'node:assert/strict';
import { it } from 'node:test';
import { scopedClientId } from '../../../hub/mqtt/acl.ts';

it("keeps the hub login's client id and scopes every other login's id to that login", () => {
  assert.equal(scopedClientId('cxr-hub', 'cxr-hub', 'cxr-hub'), 'cxr-hub');
  assert.equal(scopedClientId('clinic-a/xr-1', 'cxr-hub', 'cxr-hub'), 'agent:clinic-a/xr-1:cxr-hub');
  assert.notEqual(
    scopedClientId('clinic-a/xr-1', 'same', 'cxr-hub'),
    scopedClientId('clinic-b/xr-9', 'same', 'cxr-hub'),
    'two agents sending the same id get two sessions',
  );
  assert.equal(scopedClientId(undefined, 'x', 'cxr-hub'), 'agent::x', 'an anonymous claim cannot reach the hub id');
});

it('leaves an empty client id empty (the broker assigns a unique one)', () => {
  assert.equal(scopedClientId('clinic-a/xr-1', '', 'cxr-hub'), '');
});
