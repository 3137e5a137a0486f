import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../hub/auth/password.ts';

it('verifies the right password against its scrypt hash and refuses others', () => {
  const hash = hashPassword('correct horse battery');
  assert.ok(isPasswordHash(hash));
  assert.equal(verifyPassword('correct horse battery', hash), true);
  assert.equal(verifyPassword('correct horse batterY', hash), false);
  assert.notEqual(hashPassword('correct horse battery'), hash, 'salted');
  assert.equal(verifyPassword('anything', 'not-a-hash'), false);
});
