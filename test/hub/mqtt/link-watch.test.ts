import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLinkWatch } from '../../../hub/mqtt/link-watch.ts';

it('reports an outage once when it starts and once when it ends, with its duration', () => {
  const link = createLinkWatch();
  assert.equal(link.up(0), undefined, 'the first connect ends no outage');
  assert.equal(link.down(1_000), true);
  assert.equal(link.isDown(), true);
  assert.equal(link.down(2_000), false, 'a failed reconnect attempt is the same outage');
  assert.equal(link.down(3_000), false);
  assert.deepEqual(link.up(4_500), { downSinceMs: 1_000, downMs: 3_500 });
  assert.equal(link.isDown(), false);
  assert.equal(link.up(5_000), undefined);
  assert.equal(link.down(6_000), true, 'the next outage is reported again');
});
