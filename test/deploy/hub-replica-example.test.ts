/**
 * deploy/hub-replica.example.json, the config every hub replica shares (docs/scale-out.md), is a valid hub
 * config: PostgreSQL, the NATS broker with its three nodes, the jobs lease; the secrets and each instance's
 * port come from the environment the systemd units set (/etc/cxr/hub.env, /etc/cxr/hub-%i.env).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseHubConfig } from '../../hub/config.ts';

const FILE = fileURLToPath(new URL('../../deploy/hub-replica.example.json', import.meta.url));
const raw = () => JSON.parse(readFileSync(FILE, 'utf8')) as unknown;

it('parses as a replica on PostgreSQL and a 3-node NATS cluster', () => {
  const config = parseHubConfig(raw(), {}, '/etc/cxr');
  assert.match(config.database.url!, /^postgres:\/\//);
  assert.equal(config.mqtt.broker, 'nats');
  assert.equal(config.mqtt.failoverUrls.length, 2);
  assert.equal(config.nats.servers.length, 3);
  assert.ok(config.nats.servers.every((s) => s.startsWith('tls://')));
  assert.ok(config.jobs.leaseTtlS > 0);
  assert.ok(Array.isArray(config.http.trustProxy) && config.http.trustProxy.length > 0);
});

it("takes each instance's port and the secrets from the environment", () => {
  const config = parseHubConfig(
    raw(),
    {
      CXR_HUB_HTTP_PORT: '8444',
      CXR_HUB_DATABASE_URL: 'postgres://cxr:secret@db.example.org:5432/cxr',
      CXR_HUB_MQTT_PASSWORD: 'hub-nats-password',
    },
    '/etc/cxr',
  );
  assert.equal(config.http.port, 8444);
  assert.equal(config.database.url, 'postgres://cxr:secret@db.example.org:5432/cxr');
  assert.equal(config.mqtt.password, 'hub-nats-password');
});
