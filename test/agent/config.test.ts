import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENV_SETTINGS, mergeEnv, parseAgentConfig } from '../../agent/config.ts';
import { isCxrError } from '../../models/errors.ts';

const minimal = {
  site: 'clinic-1',
  agentId: 'xr-room-2',
  siteSecret: 's'.repeat(32),
  dataDir: 'data',
  watch: [{ path: 'incoming' }],
  model: { dir: 'model', trustedKeysDir: 'keys' },
  mqtt: { url: 'mqtts://hub.example:8883' },
};

describe('agent config', () => {
  it('fills defaults, resolves relative paths against the config folder and freezes the result', () => {
    const config = parseAgentConfig(minimal, '/etc/cxr');
    assert.equal(config.dataDir, '/etc/cxr/data');
    assert.equal(config.processedDir, '/etc/cxr/data/processed');
    assert.equal(config.quarantineDir, '/etc/cxr/data/quarantine');
    assert.equal(config.watch[0]?.path, '/etc/cxr/incoming');
    assert.equal(config.watch[0]?.policy, 'move');
    assert.deepEqual(config.watch[0]?.include, ['*']);
    assert.equal(config.model.runtime, 'auto');
    assert.equal(config.model.trustedKeysDir, '/etc/cxr/keys');
    assert.equal(config.sendPixels, true);
    assert.equal(config.previewMaxSide, 1024);
    assert.equal(config.http.port, 9464);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.mqtt) && Object.isFrozen(config.watch[0]));
    assert.throws(() => {
      (config as { site: string }).site = 'x';
    });
  });

  it('lets CXR_AGENT_* environment variables override the file, with types', () => {
    const merged = mergeEnv(minimal, {
      CXR_AGENT_SITE: 'other',
      CXR_AGENT_SEND_PIXELS: 'false',
      CXR_AGENT_BATCH_SIZE: '8',
      CXR_AGENT_WATCH: '/a, /b',
      CXR_AGENT_MQTT_PASSWORD: 'pw',
    });
    const config = parseAgentConfig(merged, '/');
    assert.equal(config.site, 'other');
    assert.equal(config.sendPixels, false);
    assert.equal(config.batchSize, 8);
    assert.deepEqual(
      config.watch.map((w) => w.path),
      ['/a', '/b'],
    );
    assert.equal(config.mqtt.password, 'pw');
    assert.equal(minimal.site, 'clinic-1', 'the file object is not mutated');
  });

  it('has rollout defaults and reads rollout settings from the environment', () => {
    assert.deepEqual(parseAgentConfig(minimal, '/').rollout, {
      enabled: true,
      keepVersions: 3,
      shadowImages: 20,
      shadowMinAgreement: 0.9,
      probationImages: 20,
      maxErrorFraction: 0.2,
      downloadTimeoutMs: 60_000,
    });
    const env = {
      CXR_AGENT_ROLLOUT_ENABLED: 'false',
      CXR_AGENT_ROLLOUT_KEEP_VERSIONS: '5',
      CXR_AGENT_ROLLOUT_SHADOW_MIN_AGREEMENT: '0.75',
      CXR_AGENT_ROLLOUT_MAX_ERROR_FRACTION: '0.5',
    };
    const rollout = parseAgentConfig(mergeEnv(minimal, env), '/').rollout;
    assert.equal(rollout.enabled, false);
    assert.equal(rollout.keepVersions, 5);
    assert.equal(rollout.shadowMinAgreement, 0.75);
    assert.equal(rollout.maxErrorFraction, 0.5);
    assert.throws(() => parseAgentConfig({ ...minimal, rollout: { keepVersions: 1 } }, '/'), {
      code: 'CXR_ERR_AGENT_CONFIG_INVALID',
    });
  });

  it('maps every env variable to a distinct setting', () => {
    const names = ENV_SETTINGS.map(([name]) => name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.every((n) => n.startsWith('CXR_AGENT_')));
  });

  it('rejects bad config with CXR_ERR_AGENT_CONFIG_INVALID listing every problem', () => {
    const bad = {
      ...minimal,
      site: 'bad site',
      siteSecret: 'short',
      batchSize: 0,
      mqtt: { url: 'http://x' },
      extra: 1,
    };
    assert.throws(
      () => parseAgentConfig(bad, '/'),
      (error: unknown) => {
        assert.ok(isCxrError(error));
        assert.equal(error.code, 'CXR_ERR_AGENT_CONFIG_INVALID');
        for (const path of ['/site', '/siteSecret', '/batchSize', '/mqtt/url'])
          assert.match(error.message, new RegExp(path));
        assert.match(error.message, /extra|additional/i);
        return true;
      },
    );
  });

  it('rejects a non-numeric env value instead of silently ignoring it', () => {
    assert.throws(() => parseAgentConfig(mergeEnv(minimal, { CXR_AGENT_HTTP_PORT: 'abc' }), '/'), /\/http\/port/);
  });
});

describe('deploy/agent.example.json', () => {
  it('is a valid agent config', async () => {
    const { readFileSync } = await import('node:fs');
    const file = new URL('../../deploy/agent.example.json', import.meta.url);
    const config = parseAgentConfig(JSON.parse(readFileSync(file, 'utf8')), '/');
    assert.equal(config.watch.length, 2);
    assert.equal(config.watch[1]?.policy, 'leave');
  });
});
