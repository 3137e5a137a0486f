/** The allocator settings, read back from glibc's own accounting (mallinfo2: bytes in mmapped chunks). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import koffi from 'koffi';
import { HEAP_BUFFER_BYTES, tuneAllocator } from '../../../agent/pipeline/tune-allocator.ts';

const libc = koffi.load('libc.so.6');
const MallInfo2 = koffi.struct('cxr_test_mallinfo2', {
  arena: 'size_t',
  ordblks: 'size_t',
  smblks: 'size_t',
  hblks: 'size_t',
  hblkhd: 'size_t',
  usmblks: 'size_t',
  fsmblks: 'size_t',
  uordblks: 'size_t',
  fordblks: 'size_t',
  keepcost: 'size_t',
});
const mallinfo2 = libc.func('mallinfo2', MallInfo2, []) as () => { hblkhd: number | bigint };
const mmappedBytes = () => Number(mallinfo2().hblkhd);

/** Bytes of mmapped chunks added while a buffer of `bytes` is held. */
function mmappedWhileHolding(bytes: number): number {
  const before = mmappedBytes();
  const buffer = new Float32Array(bytes / 4);
  buffer[0] = 1;
  const during = mmappedBytes();
  return during - before + (buffer[0] ?? 0) - 1;
}

it('film-sized buffers come from the heap after tuning; very large ones still from the kernel', () => {
  assert.equal(tuneAllocator(), true); // Debian: glibc
  assert.equal(tuneAllocator(), true, 'a second call is a no-op');
  assert.ok(mmappedWhileHolding(8 * 1024 * 1024) < 1024 * 1024, 'an 8 MB film buffer came from mmap');
  assert.ok(mmappedWhileHolding(2 * HEAP_BUFFER_BYTES) >= 2 * HEAP_BUFFER_BYTES, 'a 64 MB buffer did not use mmap');
});
