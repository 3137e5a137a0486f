/**
 * The shipped NATS config (deploy/nats/): nats-server 2.9.10 accepts nats-server.conf as it is — the node's name
 * from the environment, TLS on the client, route and MQTT ports, the cluster of three, the included account file
 * and users file — with only the TLS file paths pointed at test certificates (`nats-server -t`); the users file
 * is refused until the hub's password hash replaces its placeholder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { natsPasswordHash } from '../../hub/broker/nats-users-file.ts';
import { issueCert, makeTestCa } from '../support/test-certs.ts';

const SHIPPED = fileURLToPath(new URL('../../deploy/nats/', import.meta.url));
const BIN = process.env.CXR_NATS_BIN ?? '/usr/sbin/nats-server';

it('nats-server accepts the shipped config (TLS paths aside)', { skip: !existsSync(BIN) && `${BIN} missing` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-nats-conf-'));
  const ca = makeTestCa(dir);
  const server = issueCert(ca, 'server', { cn: 'nats-1', san: 'DNS:nats-1,DNS:nats-2,DNS:nats-3' });
  const text = readFileSync(join(SHIPPED, 'nats-server.conf'), 'utf8')
    .replaceAll('/etc/nats/tls/server.crt', server.certFile)
    .replaceAll('/etc/nats/tls/server.key', server.keyFile)
    .replaceAll('/etc/nats/tls/ca.crt', ca.certFile)
    .replace('/var/lib/nats/jetstream', join(dir, 'jetstream'));
  writeFileSync(join(dir, 'nats-server.conf'), text);
  copyFileSync(join(SHIPPED, 'accounts.conf'), join(dir, 'accounts.conf'));
  const users = readFileSync(join(SHIPPED, 'cxr-users.conf'), 'utf8');
  const check = () =>
    spawnSync(BIN, ['-c', join(dir, 'nats-server.conf'), '-t'], {
      encoding: 'utf8',
      env: { ...process.env, CXR_NATS_NODE: 'nats-1' },
    });
  writeFileSync(join(dir, 'cxr-users.conf'), users);
  assert.notEqual(check().status, 0, "refused until the hub's password hash is filled in");
  const hash = JSON.stringify(natsPasswordHash('the hub password'));
  writeFileSync(join(dir, 'cxr-users.conf'), users.replace('$CXR_NATS_HUB_PASSWORD_HASH', hash));
  const run = check();
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /valid/);
});
