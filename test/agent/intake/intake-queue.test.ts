import assert from 'node:assert/strict';
import { it } from 'node:test';
import { IntakeQueue } from '../../../agent/intake/intake-queue.ts';

it('queues a path once, hands out due items in arrival order and reports the wait for later ones', () => {
  const q = new IntakeQueue();
  q.offer('/a', 0, undefined, 0);
  q.offer('/b', 0, undefined, 0);
  q.offer('/a', 0, undefined, 0);
  assert.equal(q.size, 2);
  const a = q.take(0);
  assert.equal(typeof a === 'object' && a.path, '/a');
  q.offer('/a', 0, undefined, 0);
  assert.equal(q.size, 2, 'a path being processed is not queued again');
  if (typeof a !== 'object') throw new Error('expected an item');
  q.requeue(a, 500);
  const b = q.take(0);
  assert.equal(typeof b === 'object' && b.path, '/b');
  assert.equal(q.take(100), 400, 'ms until /a is due');
  if (typeof b === 'object') q.done(b);
  assert.equal(q.size, 1);
  assert.equal(new IntakeQueue().take(0), undefined);
});

it('wakes a waiting worker when work arrives', async () => {
  const q = new IntakeQueue();
  const started = Date.now();
  const waiting = q.wait(10_000);
  q.offer('/x', 0, undefined, 0);
  await waiting;
  assert.ok(Date.now() - started < 5000);
});
