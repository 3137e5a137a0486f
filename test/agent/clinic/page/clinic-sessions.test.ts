import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ClinicSessions, verifyPassword } from '../../../../agent/clinic/page/clinic-sessions.ts';
import { hashPassword } from '../../../../hub/auth/password.ts';

const users = [{ username: 'nurse', passwordHash: hashPassword('front-desk-pass') }];

it('accepts the hashes `cxr hub hash-password` makes and refuses malformed ones', () => {
  assert.equal(verifyPassword('front-desk-pass', users[0]?.passwordHash as string), true);
  assert.equal(verifyPassword('wrong', users[0]?.passwordHash as string), false);
  assert.equal(verifyPassword('x', 'plain-text'), false);
});

it('logs in, knows the session until it expires, and logs out', () => {
  let now = 1000;
  const sessions = new ClinicSessions(users, 60_000, () => now);
  const token = sessions.login('nurse', 'front-desk-pass');
  assert.ok(token);
  assert.equal(sessions.user(token), 'nurse');
  now += 60_001;
  assert.equal(sessions.user(token), undefined);
  const again = sessions.login('nurse', 'front-desk-pass');
  sessions.logout(again);
  assert.equal(sessions.user(again), undefined);
});

it('pauses a user name for 30 s after five wrong passwords, even for the right one', () => {
  let now = 0;
  const sessions = new ClinicSessions(users, 60_000, () => now);
  for (let i = 0; i < 5; i++) assert.equal(sessions.login('nurse', 'guess'), undefined);
  assert.equal(sessions.login('nurse', 'front-desk-pass'), undefined);
  now += 30_001;
  assert.ok(sessions.login('nurse', 'front-desk-pass'));
});
