/**
 * One pixel worker thread (pixel-pool.ts starts them). In: `workerData` (PixelWorkerInit), then one task at a
 * time: { id, task, input }. Out: { type: 'ready' } once its text detector is loaded (or 'failed' with the
 * error), then per task { type: 'done', id, output, workMs } with the output's buffers moved, not copied, or
 * { type: 'error', id, error } with the CxrError's code, message and kind (bad input stays `input`).
 * libvips (sharp) runs single-threaded here and without its cache: the pool's threads are the parallelism,
 * and memory is what the files in flight hold. After a large film's task the worker collects its garbage
 * (collect-garbage.ts), so the film's freed buffers do not stay resident while the next film is decoded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { openTextDetector } from '../../../models/deid/text-detector.ts';
import { asCxrError } from '../../../models/errors.ts';
import { garbageCollector, LARGE_FILM_SAMPLES } from '../collect-garbage.ts';
import { decodeInWorker } from '../stages/decode.ts';
import { renderInWorker } from '../stages/render.ts';
import type { SerializedError, WorkerReply } from './pixel-pool.ts';
import type { PixelTaskName, PixelTasks, PixelWorkerInit, WorkerContext, WorkerResult } from './pixel-tasks.ts';

type Handlers = {
  [K in PixelTaskName]: (
    input: PixelTasks[K]['in'],
    context: WorkerContext,
  ) => Promise<WorkerResult<PixelTasks[K]['out']>> | WorkerResult<PixelTasks[K]['out']>;
};

const handlers: Handlers = {
  decode: decodeInWorker,
  render: renderInWorker,
};

const port = parentPort;
if (!port) throw new Error('pixel-worker.ts runs only as a worker thread');
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

function serialize(thrown: unknown): SerializedError {
  const error = asCxrError(thrown);
  return { code: error.code, message: error.message, kind: error.kind };
}

sharp.concurrency(1);
sharp.cache(false);
const init = workerData as PixelWorkerInit;
const context: WorkerContext = {};
try {
  if (init.textDetection) context.detector = await openTextDetector(init.textDetection);
  post({ type: 'ready' });
} catch (thrown) {
  post({ type: 'failed', error: serialize(thrown) });
}

/** Samples of the film a task worked on: its pixels going in (render) or its size coming out (decode). */
function samplesOf(input: { pixels?: Float32Array }, output: unknown): number {
  const image = (output as { image?: { rows: number; cols: number } }).image;
  return input.pixels?.length ?? (image ? image.rows * image.cols : 0);
}

port.on('message', async (message: { id: number; task: PixelTaskName; input: never }) => {
  const started = performance.now();
  let samples = 0;
  try {
    const { output, transfer } = await handlers[message.task](message.input, context);
    samples = samplesOf(message.input, output); // before the transfer empties the buffers
    post({ type: 'done', id: message.id, output, workMs: performance.now() - started }, transfer);
  } catch (thrown) {
    post({ type: 'error', id: message.id, error: serialize(thrown), workMs: performance.now() - started });
  }
  if (samples >= LARGE_FILM_SAMPLES) garbageCollector()();
});
