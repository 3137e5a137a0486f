import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CallQueue } from '../../../models/runtime/call-queue.ts';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

it('runs calls one at a time in order; a failed call does not stop the rest; closed after close()', async () => {
  const calls = new CallQueue('test model');
  const log: string[] = [];
  const results = await Promise.allSettled([
    calls.run(async () => {
      log.push('a start');
      await later(null, 30);
      log.push('a end');
      return 'a';
    }),
    calls.run(async () => {
      log.push('b');
      throw new Error('b fails');
    }),
    calls.run(async () => {
      log.push('c');
      return 'c';
    }),
  ]);
  assert.deepEqual(log, ['a start', 'a end', 'b', 'c'], 'b waited for a');
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  const pending = calls.run(() => later('d', 20));
  const closing = calls.close();
  assert.equal(await pending, 'd', 'close waits for queued calls');
  assert.equal(await closing, true);
  assert.equal(await calls.close(), false, 'only the first close frees');
  await assert.rejects(
    calls.run(async () => 'e'),
    { code: 'CXR_ERR_SESSION_CLOSED', message: 'test model is closed' },
  );
});
