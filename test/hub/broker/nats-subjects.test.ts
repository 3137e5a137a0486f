/**
 * How the hub names NATS subjects (pure): MQTT topics and the gateway's stored subjects map both ways, and an
 * agent's NATS permissions are exactly its own topics (the rule of hub/mqtt/acl.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { agentPermissions, RESULTS_FILTER, subjectOf, topicOfStored } from '../../../hub/broker/nats-subjects.ts';

it('maps MQTT topics to the subjects the NATS MQTT gateway uses, and stored subjects back', () => {
  assert.equal(subjectOf('cxr/v1/clinic-a/xr-1/model/desired'), 'cxr.v1.clinic-a.xr-1.model.desired');
  assert.equal(subjectOf('a.b/c'), 'a//b.c', "a '.' inside a level becomes '//'");
  assert.equal(topicOfStored('$MQTT.msgs.cxr.v1.clinic-a.xr-1.result'), 'cxr/v1/clinic-a/xr-1/result');
  assert.equal(topicOfStored('$MQTT.msgs.a//b.c'), 'a.b/c');
  assert.equal(topicOfStored('cxr.v1.clinic-a.xr-1.result'), undefined, 'only stored subjects');
  assert.equal(RESULTS_FILTER, '$MQTT.msgs.cxr.v1.*.*.result');
});

it('gives an agent its own topics only: publish result/status/model-state/report-ack, read ack/desired/report/calibration', () => {
  assert.deepEqual(agentPermissions({ site: 'clinic-a', agent: 'xr-1' }), {
    publish: [
      'cxr.v1.clinic-a.xr-1.result',
      'cxr.v1.clinic-a.xr-1.status',
      'cxr.v1.clinic-a.xr-1.model.state',
      'cxr.v1.clinic-a.xr-1.report.ack',
    ],
    subscribe: [
      '$MQTT.sub.>',
      'cxr.v1.clinic-a.xr-1.ack',
      'cxr.v1.clinic-a.xr-1.model.desired',
      'cxr.v1.clinic-a.xr-1.report',
      'cxr.v1.clinic-a.xr-1.calibration',
    ],
  });
});
