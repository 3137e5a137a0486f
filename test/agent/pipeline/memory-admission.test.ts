import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCostBytes, filesBudgetBytes, MemoryAdmission } from '../../../agent/pipeline/memory-admission.ts';
import { detectorGrowthBytes } from '../../../models/deid/detector-memory.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('memory admission', () => {
  it('admits files while their bytes fit the budget and makes the rest wait', async () => {
    const memory = new MemoryAdmission(100);
    const a = await memory.admit(60);
    let admitted = false;
    const b = memory.admit(60).then((ticket) => {
      admitted = true;
      return ticket;
    });
    await tick();
    assert.equal(admitted, false, 'a second file that does not fit waits');
    assert.equal(memory.inUse, 60);
    a.release();
    (await b).release();
    assert.equal(admitted, true);
    assert.equal(memory.inUse, 0);
    assert.equal(memory.peak, 60, 'never more than the budget at once');
  });

  it('lets the oldest file grow past the budget only once every other file is waiting', async () => {
    const memory = new MemoryAdmission(100);
    const big = await memory.admit(10);
    const small = await memory.admit(10);
    let grown = false;
    const growing = big.grow(500).then(() => {
      grown = true;
    });
    await tick();
    assert.equal(grown, false, 'the other file is still running: the large one waits for it to drain');
    let third = false;
    void memory.admit(10).then(() => {
      third = true;
    });
    await tick();
    assert.equal(third, false, 'nothing new starts while the oldest file waits');
    small.release();
    await growing;
    assert.equal(grown, true, 'alone (the newcomer waits), the oldest goes even though it exceeds the budget');
    assert.equal(third, false);
    big.release();
    await tick();
    assert.equal(third, true);
  });

  it('serves many small files around one large one without losing any', async () => {
    const memory = new MemoryAdmission(1000);
    const sizes = [900, 50, 50, 2000, 50, 400, 400, 400, 10];
    const done: number[] = [];
    await Promise.all(
      sizes.map(async (size, i) => {
        const ticket = await memory.admit(10);
        await ticket.grow(size);
        await tick();
        done.push(i);
        ticket.release();
      }),
    );
    assert.equal(done.length, sizes.length);
    assert.equal(memory.inUse, 0);
    assert.equal(memory.waiting, 0);
  });

  it('prices a decode by its samples and leaves a floor for files when the process is already large', () => {
    assert.equal(decodeCostBytes(1000, false), 9000);
    assert.equal(decodeCostBytes(1000, true), 15000);
    assert.equal(filesBudgetBytes(1024 ** 3, 400 * 1024 ** 2), 624 * 1024 ** 2);
    assert.equal(filesBudgetBytes(1024 ** 3, 2 * 1024 ** 3), 64 * 1024 ** 2);
  });

  it('keeps aside what the text detectors take after start-up (first buffers, three more input shapes each)', () => {
    assert.equal(detectorGrowthBytes(640), (85 + 3 * 65) * 1024 ** 2);
    assert.equal(detectorGrowthBytes(320), detectorGrowthBytes(640) / 4, 'buffers scale with the input area');
    assert.equal(filesBudgetBytes(1024 ** 3, 400 * 1024 ** 2, detectorGrowthBytes(640)), (624 - 280) * 1024 ** 2);
    assert.equal(filesBudgetBytes(1024 ** 3, 900 * 1024 ** 2, 2 * detectorGrowthBytes(640)), 64 * 1024 ** 2);
  });

  it('collects garbage when a large film gives its memory back, not for a small one', async () => {
    let collections = 0;
    const memory = new MemoryAdmission(1000, { collect: () => collections++, collectAboveBytes: 500 });
    const small = await memory.admit(100);
    small.release();
    assert.equal(collections, 0);
    const large = await memory.admit(100);
    await large.grow(400);
    large.release();
    large.release();
    assert.equal(collections, 1, 'once, when the large ticket is given back');
  });
});
