/**
 * A full garbage collection on demand, for the pipeline's large films. In: nothing. Out: a function that collects
 * now, in the calling thread. Why: a film's pixel buffers (hundreds of MB at 7000²) are freed only when V8 collects
 * them, which can be after the next large film has started, so two films' pixels are resident at once. Memory
 * admission collects when a large film gives its memory back, and each pixel worker after a large task, so the
 * memory the next film is admitted against is really free. Measured in a fresh agent, three 7000² films in a row
 * (pixel policy preview, budget 1 GiB): peak RSS 1,140–1,157 MB without, 1,057–1,082 MB with. `--expose-gc` is a
 * process-wide V8 flag; each thread takes its own `gc` from a new context.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

export function garbageCollector(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Films at or above this many samples are collected after (a 4096² film: ~150 MB of buffers on the way). */
export const LARGE_FILM_SAMPLES = 16 * 1024 ** 2;
