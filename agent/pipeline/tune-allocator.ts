/**
 * Keeps film-sized buffers in the C heap between films. In: nothing. Out: whether glibc's malloc took the
 * settings (false on another C library, where nothing changes).
 * Why: each film allocates a few buffers of 1–40 MB (file bytes, stored values, display pixels, the model
 * input) and frees them a moment later. glibc serves allocations above M_MMAP_THRESHOLD with fresh mmap pages
 * and gives a heap top above M_TRIM_THRESHOLD back to the kernel, so the next film faults the same memory in
 * again, page by page — on a virtual machine a 4 MB buffer cost 3–5 ms of page faults before it held a value
 * (docs/agent.md "Measured"). Buffers up to 32 MB (a 2896² film's float pixels) now come from the heap and are
 * reused; larger ones (7000² films) still come from and go back to the kernel at once, and at most 64 MB of
 * free heap top is kept, so what memory admission counts stays what the process holds. The settings are
 * process-wide (every arena, so the pixel workers' too): call once, at start.
 */
import koffi from 'koffi';

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
export const HEAP_BUFFER_BYTES = 32 * 1024 * 1024;
export const KEPT_FREE_TOP_BYTES = 64 * 1024 * 1024;

let tuned: boolean | undefined;

export function tuneAllocator(): boolean {
  if (tuned !== undefined) return tuned;
  try {
    const libc = koffi.load('libc.so.6');
    const mallopt = libc.func('int mallopt(int param, int value)') as (param: number, value: number) => number;
    tuned = mallopt(M_MMAP_THRESHOLD, HEAP_BUFFER_BYTES) === 1 && mallopt(M_TRIM_THRESHOLD, KEPT_FREE_TOP_BYTES) === 1;
  } catch {
    tuned = false; // not glibc (musl, macOS): its own allocator policy stays
  }
  return tuned;
}
