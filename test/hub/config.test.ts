import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseHubConfig } from '../../hub/config.ts';

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
