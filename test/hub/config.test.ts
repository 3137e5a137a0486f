import assert from 'node:assert/strict';
import { it } from 'node:test';
import { databaseUrl, parseHubConfig } from '../../hub/config.ts';

it('fills defaults, resolves paths against the config folder and freezes the result', () => {
  const config = parseHubConfig({ dataDir: 'var/hub' }, {}, '/srv/cxr');
  assert.equal(config.dataDir, '/srv/cxr/var/hub');
  assert.equal(config.http.port, 8080);
  assert.equal(config.mqtt.broker, 'embedded');
  assert.equal(config.mqtt.port, 1883);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.http));
});

it('lets CXR_HUB_* environment variables override the file', () => {
  const config = parseHubConfig(
    { dataDir: '/d', http: { port: 1 } },
    { CXR_HUB_HTTP_PORT: '9090', CXR_HUB_MQTT_BROKER: 'external', CXR_HUB_MQTT_URL: 'mqtts://b:8883' },
  );
  assert.equal(config.http.port, 9090);
  assert.equal(config.mqtt.broker, 'external');
  assert.equal(config.mqtt.url, 'mqtts://b:8883');
});

it('lists every problem of a bad config with CXR_ERR_HUB_CONFIG', () => {
  assert.throws(
    () => parseHubConfig({ dataDir: '', http: { port: 'x' }, extra: 1 }),
    (error: Error & { code?: string }) =>
      error.code === 'CXR_ERR_HUB_CONFIG' &&
      /dataDir/.test(error.message) &&
      /port/.test(error.message) &&
      /extra|additional/i.test(error.message),
  );
  assert.throws(
    () =>
      parseHubConfig({
        dataDir: '/d',
        mqtt: { broker: 'external' },
        users: [{ username: 'a', role: 'admin', passwordHash: 'plain' }],
      }),
    (error: Error) => /mqtt\/url/.test(error.message) && /users\/0\/passwordHash/.test(error.message),
  );
});

it('reads the registry and rollout settings: public URL, publishers, trusted keys folder, rollout defaults', () => {
  const defaults = parseHubConfig({ dataDir: '/d' });
  assert.equal(defaults.http.publicUrl, undefined);
  assert.deepEqual(defaults.publishers, []);
  assert.match(defaults.models.trustedKeysDir, /models\/trusted-keys\/?$/);
  assert.equal(defaults.models.maxPackageBytes, 256 * 1024 * 1024);
  assert.deepEqual(defaults.rollout.waves, [{ agents: 1 }, { percent: 25 }, { percent: 100 }]);
  assert.deepEqual([defaults.rollout.waitS, defaults.rollout.abortFailureFraction], [60, 0.2]);

  const config = parseHubConfig(
    { dataDir: 'var', http: { publicUrl: 'https://hub.example.org/cxr/' }, models: { trustedKeysDir: 'keys' } },
    { CXR_HUB_MODELS_TRUSTED_KEYS_DIR: '/etc/cxr/keys' },
    '/srv/cxr',
  );
  assert.equal(config.http.publicUrl, 'https://hub.example.org/cxr', 'no trailing slash');
  assert.equal(config.models.trustedKeysDir, '/etc/cxr/keys', 'env wins over the file');
  assert.equal(
    parseHubConfig({ dataDir: 'var', models: { trustedKeysDir: 'keys' } }, {}, '/srv/cxr').models.trustedKeysDir,
    '/srv/cxr/keys',
  );
  assert.equal(
    parseHubConfig({ dataDir: '/d' }, { CXR_HUB_HTTP_PUBLIC_URL: 'http://10.0.0.5:8080' }).http.publicUrl,
    'http://10.0.0.5:8080',
  );

  assert.throws(
    () =>
      parseHubConfig({
        dataDir: '/d',
        http: { publicUrl: 'ftp://x' },
        publishers: [
          { name: 'ci', tokenHash: 'plain' },
          { name: 'ci', tokenHash: 'plain' },
        ],
        rollout: { waves: [{ percent: 0 }] },
      }),
    (error: Error) =>
      /publicUrl/.test(error.message) &&
      /publishers\/0\/tokenHash is not a scrypt hash/.test(error.message) &&
      /names must be unique/.test(error.message) &&
      /rollout\/waves/.test(error.message),
  );
});

it('takes the database URL from the file or CXR_HUB_DATABASE_URL, with SQLite in the data dir by default', () => {
  assert.equal(databaseUrl(parseHubConfig({ dataDir: 'var' }, {}, '/srv/cxr')), 'sqlite:/srv/cxr/var/hub.db');
  assert.equal(
    databaseUrl(parseHubConfig({ dataDir: '/d', database: { url: 'sqlite:state/hub.db' } }, {}, '/srv/cxr')),
    'sqlite:/srv/cxr/state/hub.db',
    'a relative SQLite file is relative to the config file',
  );
  const url = 'postgres://cxr:secret@db.example.org:5432/cxr';
  assert.equal(databaseUrl(parseHubConfig({ dataDir: '/d' }, { CXR_HUB_DATABASE_URL: url })), url);
  assert.throws(
    () => parseHubConfig({ dataDir: '/d', database: { url: 'mysql://db/cxr' } }),
    (error: Error) => /database\/url/.test(error.message),
  );
});

it('reads a NATS cluster broker (servers, shared consumer, failover nodes), the jobs lease and trustProxy', () => {
  const config = parseHubConfig(
    {
      dataDir: '/d',
      mqtt: { broker: 'nats', url: 'mqtts://nats-1:8883', failoverUrls: ['mqtts://nats-2:8883'] },
      nats: { servers: ['tls://nats-1:4222', 'tls://nats-2:4222'], caFile: 'tls/ca.crt' },
      http: { trustProxy: ['10.0.0.0/8'] },
    },
    {},
    '/srv/cxr',
  );
  assert.equal(config.mqtt.broker, 'nats');
  assert.deepEqual(config.mqtt.failoverUrls, ['mqtts://nats-2:8883']);
  assert.equal(config.nats.consumer, 'cxr-hub-results');
  assert.equal(config.nats.ackWaitS, 30);
  assert.equal(config.nats.caFile, '/srv/cxr/tls/ca.crt');
  assert.equal(config.jobs.leaseTtlS, 15);
  assert.deepEqual(config.http.trustProxy, ['10.0.0.0/8']);
  assert.equal(parseHubConfig({ dataDir: '/d' }).http.trustProxy, false);
  assert.throws(
    () => parseHubConfig({ dataDir: '/d', mqtt: { broker: 'nats', url: 'mqtt://nats-1:1883' } }),
    (error: Error) => /nats\/servers/.test(error.message),
  );
});
