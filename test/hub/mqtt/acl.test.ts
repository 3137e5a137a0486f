import assert from 'node:assert/strict';
import { it } from 'node:test';
import { agentFromUsername, type MqttPrincipal, mayPublish, maySubscribe } from '../../../hub/mqtt/acl.ts';

const agent: MqttPrincipal = { kind: 'agent', address: { site: 'clinic-a', agent: 'xr-1' } };

it('reads an agent address from a <site>/<agent> username and refuses anything else', () => {
  assert.deepEqual(agentFromUsername('clinic-a/xr-1'), { site: 'clinic-a', agent: 'xr-1' });
  for (const bad of ['clinic-a', 'a/b/c', 'a/+', '#/x', '/x', 'a/'])
    assert.equal(agentFromUsername(bad), undefined, bad);
});

it('lets an agent publish only its own result, status and model/state', () => {
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-1/result'), true);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-1/status'), true);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-1/model/state'), true);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-1/ack'), false);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-1/model/desired'), false);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-a/xr-2/result'), false);
  assert.equal(mayPublish(agent, 'cxr/v1/clinic-b/xr-1/result'), false);
  assert.equal(mayPublish(agent, '$SYS/anything'), false);
});

it('lets an agent subscribe only to its own ack and model/desired, never with wildcards', () => {
  assert.equal(maySubscribe(agent, 'cxr/v1/clinic-a/xr-1/ack'), true);
  assert.equal(maySubscribe(agent, 'cxr/v1/clinic-a/xr-1/model/desired'), true);
  assert.equal(maySubscribe(agent, 'cxr/v1/clinic-a/xr-2/ack'), false);
  assert.equal(maySubscribe(agent, 'cxr/v1/clinic-a/+/ack'), false);
  assert.equal(maySubscribe(agent, 'cxr/v1/#'), false);
  assert.equal(maySubscribe(agent, 'cxr/v1/clinic-a/xr-1/result'), false);
});

it('lets the hub publish and subscribe anywhere under cxr/v1 only', () => {
  const hub: MqttPrincipal = { kind: 'hub' };
  assert.equal(mayPublish(hub, 'cxr/v1/clinic-a/xr-1/ack'), true);
  assert.equal(maySubscribe(hub, 'cxr/v1/+/+/result'), true);
  assert.equal(mayPublish(hub, 'other/topic'), false);
});
