import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterForAll, parseTopic, topicFor } from '../../protocol/topics.ts';

describe('protocol topics', () => {
  it('builds and parses a per-agent topic', () => {
    const topic = topicFor({ site: 'clinic-a', agent: 'xr1' }, 'model/desired');
    assert.equal(topic, 'cxr/v1/clinic-a/xr1/model/desired');
    assert.deepEqual(parseTopic(topic), { site: 'clinic-a', agent: 'xr1', kind: 'model/desired' });
  });

  it('rejects foreign roots, unknown kinds and wildcard ids', () => {
    assert.equal(parseTopic('other/v1/a/b/result'), undefined);
    assert.equal(parseTopic('cxr/v1/a/b/unknown'), undefined);
    assert.equal(parseTopic('cxr/v1/+/b/result'), undefined);
    assert.equal(parseTopic('cxr/v1/a//result'), undefined);
  });

  it('subscribes to one kind from every agent', () => {
    assert.equal(filterForAll('result'), 'cxr/v1/+/+/result');
  });
});
