import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckWatch, FLAPPING_CONNECTIONS } from '../../../agent/sync/ack-watch.ts';

describe('ack watch', () => {
  it('stays quiet while acks come back within stallMs', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    w.confirmed('a');
    assert.equal(w.check(999), undefined);
    w.acked('a');
    assert.equal(w.check(5000), undefined);
    assert.equal(w.stalled, false);
  });

  it('raises once when a PUBACKed result waits stallMs of connected time, and clears once acks are back', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    w.confirmed('a');
    w.published('b', 500);
    assert.deepEqual(w.check(1000), { stalled: true, unacked: 1, brokerConfirmed: 1, reconnects: 0, waitedS: 1 });
    assert.equal(w.stalled, true);
    assert.equal(w.check(3000), undefined, 'raised once, not at every check');
    w.acked('a');
    assert.equal(w.check(3100), undefined, 'b still waits too long');
    w.acked('b');
    assert.deepEqual(w.check(4000), { stalled: false, lastedS: 3 });
    assert.equal(w.stalled, false);
  });

  it('does not count time offline: a long outage raises nothing', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    w.linkDown(100);
    assert.equal(w.check(3_600_000), undefined, 'not judged while down');
    w.linkUp(3_600_000);
    assert.equal(w.check(3_600_100), undefined, 'the re-send gets its ack in time');
    assert.deepEqual(w.check(3_600_900)?.stalled, true, '100 ms before + 800 ms after the outage');
  });

  it('re-sends keep the first publish time', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    w.published('a', 900);
    assert.equal(w.check(1000)?.stalled, true);
  });

  it(`counts a link that comes back ${FLAPPING_CONNECTIONS} times with results unacked, over stallMs, as a stall`, () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    for (let n = 1; n <= FLAPPING_CONNECTIONS; n++) {
      const t = n * 600;
      w.linkDown(t - 590); // dropped 10 ms after each (re)connection: never 1000 ms connected in one piece
      w.linkUp(t);
      if (n < FLAPPING_CONNECTIONS) assert.equal(w.check(t + 1), undefined, `return ${n}`);
    }
    const change = w.check(600 * FLAPPING_CONNECTIONS + 10);
    assert.equal(change?.stalled, true);
    assert.equal(change?.stalled && change.reconnects, FLAPPING_CONNECTIONS);
  });

  it('does not count one return after an outage as flapping', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    w.linkDown(12);
    w.linkUp(100_000);
    assert.equal(w.check(100_001), undefined);
    w.acked('a');
    assert.equal(w.check(200_000), undefined);
  });

  it('needs an ack to clear: losing the link while stalled is no recovery', () => {
    const w = new AckWatch(1000);
    w.linkUp(0);
    w.published('a', 0);
    assert.equal(w.check(1000)?.stalled, true);
    w.linkDown(1100);
    assert.equal(w.check(1200), undefined);
    w.linkUp(5000);
    assert.equal(w.check(5001), undefined, 'still stalled, no ack yet');
    assert.equal(w.stalled, true);
  });
});
