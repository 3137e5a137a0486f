/** agent/sync/pass-loop.ts: one pass at a time, kicks during a pass coalesce, the delay asked after each pass. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassLoop } from '../../../agent/sync/pass-loop.ts';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('PassLoop', () => {
  it('runs one pass at a time and turns kicks during a pass into exactly one more', async () => {
    let running = 0;
    let most = 0;
    let passes = 0;
    let release: () => void = () => {};
    const loop = new PassLoop(
      async () => {
        passes++;
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => {
          release = r;
        });
        running--;
      },
      () => 60_000,
    );
    loop.kick();
    loop.kick();
    loop.kick();
    assert.equal(passes, 1);
    release();
    await tick();
    assert.equal(passes, 2, 'the kicks during the first pass made one more pass');
    release();
    await tick();
    assert.equal(passes, 2, 'then it waits for the delay');
    assert.equal(most, 1);
    await loop.close();
  });

  it('asks for the delay after each pass and runs the next pass when it has passed', async () => {
    const delays: number[] = [];
    let passes = 0;
    const loop = new PassLoop(
      async () => {
        passes++;
      },
      () => {
        delays.push(passes);
        return 5;
      },
    );
    loop.kick();
    while (passes < 3) await tick(5);
    await loop.close();
    assert.deepEqual(delays.slice(0, 2), [1, 2]);
  });

  it('close waits for the pass in progress, which sees `closed`, and nothing runs after it', async () => {
    let sawClosed = false;
    let passes = 0;
    let release: () => void = () => {};
    const loop = new PassLoop(
      async () => {
        passes++;
        await new Promise<void>((r) => {
          release = r;
        });
        sawClosed = loop.closed;
      },
      () => 1,
    );
    loop.kick();
    const closing = loop.close();
    release();
    await closing;
    assert.equal(sawClosed, true);
    loop.kick();
    await tick(10);
    assert.equal(passes, 1);
  });
});
