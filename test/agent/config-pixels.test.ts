/** The agent config's pixel policy (docs/viewing.md): defaults from `sendPixels`, and what `diagnostic` needs. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAgentConfig } from '../../agent/config.ts';
import { isCxrError } from '../../models/errors.ts';
import { minimalAgentConfig } from './fixture.ts';

const base = minimalAgentConfig('config-pixels');

it('maps sendPixels to a pixel policy unless pixels.policy says otherwise', () => {
  assert.equal(parseAgentConfig(base, '/').pixels.policy, 'preview');
  assert.equal(parseAgentConfig({ ...base, sendPixels: false }, '/').pixels.policy, 'none');
  assert.equal(
    parseAgentConfig({ ...base, sendPixels: false, pixels: { policy: 'preview' } }, '/').pixels.policy,
    'preview',
  );
  const defaults = parseAgentConfig(base, '/').pixels;
  assert.equal(defaults.burnedInAnnotation, 'mask');
  assert.equal(defaults.keepLaterality, true);
});

it('refuses the diagnostic policy without a hub URL and the MQTT login it uploads with', () => {
  assert.throws(
    () => parseAgentConfig({ ...base, pixels: { policy: 'diagnostic' } }, '/'),
    (e: unknown) =>
      isCxrError(e) &&
      e.code === 'CXR_ERR_AGENT_CONFIG_INVALID' &&
      e.message.includes('/pixels/hubUrl') &&
      e.message.includes('/mqtt/password'),
  );
  const ok = parseAgentConfig(
    {
      ...base,
      mqtt: { ...base.mqtt, username: 'clinic-1/room-2', password: 'pw', caFile: 'ca.pem' },
      pixels: { policy: 'diagnostic', hubUrl: 'https://hub:8080' },
    },
    '/etc/cxr',
  );
  assert.equal(ok.pixels.caFile, '/etc/cxr/ca.pem', 'the MQTT CA verifies the hub too unless pixels.caFile is set');
});
