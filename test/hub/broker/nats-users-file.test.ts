/**
 * The NATS users file (`cxr hub agent add --nats-users`): one line per user, an agent's line added before the
 * closing `]` or replaced in place, bcrypt hashes nats-server can check, and a file without `]` refused.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import bcrypt from 'bcryptjs';
import {
  agentUserEntry,
  hubUserEntry,
  natsPasswordHash,
  upsertUser,
  writeNatsUser,
} from '../../../hub/broker/nats-users-file.ts';
import { tempDir } from '../fixtures.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };

it('renders an agent as an MQTT-only user with its own permissions, the hub with NATS and MQTT', () => {
  const agent = JSON.parse(agentUserEntry(A, '$2b$11$x')) as Record<string, unknown>;
  assert.equal(agent.user, 'clinic-a/xr-1');
  assert.deepEqual(agent.allowed_connection_types, ['MQTT']);
  assert.deepEqual((agent.permissions as { publish: string[] }).publish[0], 'cxr.v1.clinic-a.xr-1.result');
  const hub = JSON.parse(hubUserEntry('cxr-hub', '$2b$11$y')) as Record<string, unknown>;
  assert.deepEqual(hub.allowed_connection_types, ['STANDARD', 'MQTT']);
});

it('hashes with bcrypt (the format nats-server checks)', () => {
  const hash = natsPasswordHash('a long password');
  assert.match(hash, /^\$2[ab]\$11\$/);
  assert.ok(bcrypt.compareSync('a long password', hash));
});

it('adds a user before the closing bracket, replaces its line when it is there again, refuses a file without ]', () => {
  const file = join(tempDir(), 'cxr-users.conf');
  writeFileSync(file, 'users: [\n  {"user":"cxr-hub","password":"h"}\n]\n');
  writeNatsUser(file, 'clinic-a/xr-1', agentUserEntry(A, 'first'));
  writeNatsUser(file, 'clinic-b/xr-2', agentUserEntry({ site: 'clinic-b', agent: 'xr-2' }, 'other'));
  writeNatsUser(file, 'clinic-a/xr-1', agentUserEntry(A, 'second'));
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], 'users: [');
  assert.match(lines[2]!, /"user":"clinic-a\/xr-1","password":"second"/);
  assert.match(lines[3]!, /"user":"clinic-b\/xr-2"/);
  assert.equal(lines[4], ']');
  assert.throws(
    () => upsertUser('users: [\n', 'x/y', '{}'),
    (error: Error & { code?: string }) => error.code === 'CXR_ERR_HUB_CONFIG',
  );
});
