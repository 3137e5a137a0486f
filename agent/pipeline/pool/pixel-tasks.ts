/**
 * The pixel pool's task table: each task's typed input and output, defined by its stage (stages/decode.ts, which
 * runs the preprocess stage in the same task, and render.ts), and what a worker is started with. Shared by the pool (main thread) and the worker,
 * so a stage whose input or output changes fails to compile on both sides.
 */
import type { TextDetector, TextDetectorOptions } from '../../../models/deid/text-detector.ts';
import type { DecodeTask } from '../stages/decode.ts';
import type { RenderTask } from '../stages/render.ts';

export interface PixelTasks {
  decode: DecodeTask;
  render: RenderTask;
}

export type PixelTaskName = keyof PixelTasks;

/** What a worker hands back: the output, and the buffers in it to move (not copy) to the main thread. */
export interface WorkerResult<T> {
  output: T;
  transfer: ArrayBuffer[];
}

/** How a stage runs its task: on the pool, the file's waiting time recorded in its stage clock. */
export interface PixelRunner {
  run<K extends PixelTaskName>(
    task: K,
    input: PixelTasks[K]['in'],
    transfer: ArrayBuffer[],
  ): Promise<PixelTasks[K]['out']>;
}

export interface PixelWorkerInit {
  /** Burned-in text detection (any pixel policy but `none`): each worker opens its own detector. */
  textDetection?: TextDetectorOptions;
}

/** What a worker holds for its tasks. */
export interface WorkerContext {
  detector?: TextDetector;
}
