/**
 * The pipeline's worker-thread pool for pixel work (decode with preprocess, render: pixel-tasks.ts), one thread per
 * core by default. In: a typed task and the buffers it carries, which are MOVED to the worker (transfer list),
 * never copied; the reply's buffers are moved back the same way. Out: the task's typed output, how long it waited
 * for a thread and how long the thread worked on it.
 * Tasks wait in one queue and later stages go first (render, then decode): files in flight
 * finish before new ones start, so latency and the pixels held stay low.
 * Only `renderers` of the workers (default all) are started with the text detector and take render tasks, the
 * others decode: a detector holds ~250 MB, so fewer of them keep a small machine's memory (docs/agent.md).
 * A worker that dies (an uncaught error, out of memory, a crash in native code it survives, `process.exit`)
 * fails only the task it was running, with CXR_ERR_AGENT_WORKER_DIED (internal: the file is retried), and a new
 * worker takes its place. A worker that cannot start (its text detector does not load) fails `start()` with the
 * worker's own error code; a replacement that cannot start is tried again with backoff.
 */
import { type TransferListItem, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { CxrError, type ErrorKind } from '../../../models/errors.ts';
import { backoffMs } from '../../sync/backoff.ts';
import type { StageClock } from '../stage-clock.ts';
import type { PixelRunner, PixelTaskName, PixelTasks, PixelWorkerInit } from './pixel-tasks.ts';

/** A CxrError as it crosses a thread boundary (classes do not survive structured cloning). */
export interface SerializedError {
  code: string;
  message: string;
  kind: ErrorKind;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'done'; id: number; output: unknown; workMs: number }
  | { type: 'error'; id: number; error: SerializedError; workMs: number };

export interface TaskResult<T> {
  output: T;
  waitMs: number;
  workMs: number;
}

const PRIORITY: Readonly<Record<PixelTaskName, number>> = { render: 0, decode: 1 };

export const DEFAULT_WORKER_URL = new URL('./pixel-worker.mjs', import.meta.url);

interface Job {
  id: number;
  task: PixelTaskName;
  input: unknown;
  transfer: TransferListItem[];
  queuedAt: number;
  resolve(result: TaskResult<unknown>): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  startedAt: number;
  /** Started with the text detector: takes render tasks. */
  renders: boolean;
}

export interface PixelPoolOptions {
  size: number;
  init: PixelWorkerInit;
  /** Workers started with `init.textDetection` (the rest without); default `size`. At least one when size > 0. */
  renderers?: number;
  log: Logger;
  /** The worker's entry module (tests hand in a worker that crashes on purpose). */
  workerUrl?: URL;
  /** V8 heap limits per worker; pixel buffers live outside the heap. */
  resourceLimits?: { maxOldGenerationSizeMb?: number };
}

export function rebuildError(error: SerializedError): CxrError {
  return new CxrError(error.code, error.message, { kind: error.kind });
}

export class PixelPool {
  readonly #queue: Job[] = [];
  readonly #slots = new Set<Slot>();
  /** Workers started but not yet ready (a replacement loading its detector): `close()` stops them too. */
  readonly #starting = new Set<Worker>();
  #nextId = 0;
  #closing = false;
  #respawns = 0;
  #restarts = 0;

  private constructor(readonly options: PixelPoolOptions) {}

  /** Starts `size` workers and waits until every one is ready (its detector loaded). */
  static async start(options: PixelPoolOptions): Promise<PixelPool> {
    const pool = new PixelPool(options);
    try {
      const renderers = Math.max(1, Math.min(options.size, options.renderers || options.size));
      await Promise.all(Array.from({ length: options.size }, (_, i) => pool.#spawn(i < renderers)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Workers that died and were replaced since start. */
  get restarts(): number {
    return this.#restarts;
  }

  run<K extends PixelTaskName>(
    task: K,
    input: PixelTasks[K]['in'],
    transfer: TransferListItem[],
  ): Promise<TaskResult<PixelTasks[K]['out']>> {
    if (this.#closing) {
      return Promise.reject(
        new CxrError('CXR_ERR_AGENT_WORKER_DIED', 'the pixel pool is closed', { kind: 'internal' }),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        task,
        input,
        transfer,
        queuedAt: performance.now(),
        resolve: resolve as Job['resolve'],
        reject,
      };
      // Stable insertion by priority: behind every queued job of the same or an earlier stage.
      let at = this.#queue.length;
      while (at > 0 && PRIORITY[(this.#queue[at - 1] as Job).task] > PRIORITY[task]) at--;
      this.#queue.splice(at, 0, job);
      this.#dispatch();
    });
  }

  /** One file's view of the pool: the time each of its tasks waits for a thread goes into its stage clock. */
  timed(clock: Pick<StageClock, 'add'>): PixelRunner {
    return {
      run: async (task, input, transfer) => {
        const result = await this.run(task, input, transfer);
        clock.add('queue', result.waitMs);
        return result.output;
      },
    };
  }

  /** Threads alive: ready workers and those still starting. */
  get threads(): number {
    return this.#slots.size + this.#starting.size;
  }

  /**
   * Stops the workers, a replacement still starting included (else its thread would keep the process alive);
   * queued tasks fail. Call after the files in flight are done.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const job of this.#queue.splice(0)) job.reject(died('the pixel pool closed'));
    const ready = [...this.#slots].map((slot) => slot.worker);
    const starting = [...this.#starting];
    this.#slots.clear();
    this.#starting.clear();
    // A worker still starting is let finish loading its text detector (a thread terminated inside onnxruntime's
    // session creation aborts the whole process: "terminate called after throwing Napi::Error"); its ready
    // handler then stops it. Bounded: after STARTING_GRACE_MS it is terminated anyway.
    await Promise.all([...ready.map((worker) => worker.terminate()), ...starting.map(stopOnceStarted)]);
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job || this.#queue.length === 0) continue;
      // The first queued job this worker can run (render needs a worker with the detector).
      const at = this.#queue.findIndex((job) => job.task !== 'render' || slot.renders);
      if (at < 0) continue;
      const [job] = this.#queue.splice(at, 1) as [Job];
      slot.job = job;
      slot.startedAt = performance.now();
      slot.worker.postMessage({ id: job.id, task: job.task, input: job.input }, job.transfer);
    }
  }

  #spawn(renders: boolean): Promise<void> {
    const { textDetection, ...rest } = this.options.init;
    const worker = new Worker(this.options.workerUrl ?? DEFAULT_WORKER_URL, {
      workerData: renders ? this.options.init : rest,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
    });
    const slot: Slot = { worker, job: undefined, startedAt: 0, renders };
    this.#starting.add(worker);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          ready = true;
          this.#starting.delete(worker);
          if (this.#closing) {
            void worker.terminate(); // closed while it started: not wanted any more
            return resolve();
          }
          this.#slots.add(slot);
          this.#respawns = 0;
          resolve();
          this.#dispatch();
        } else if (reply.type === 'failed') {
          reject(rebuildError(reply.error));
          void worker.terminate();
        } else this.#settle(slot, reply);
      });
      worker.on('error', (error) => {
        if (!ready)
          reject(new CxrError('CXR_ERR_AGENT_WORKER_DIED', `a pixel worker failed to start: ${error.message}`));
        else this.options.log.error({ code: 'CXR_ERR_AGENT_WORKER_DIED', err: error.message }, 'pixel worker crashed');
      });
      worker.on('exit', (exitCode) => {
        this.#starting.delete(worker);
        if (!ready) return reject(died(`a pixel worker exited while starting (code ${exitCode})`));
        this.#slots.delete(slot);
        if (this.#closing) return;
        const job = slot.job;
        slot.job = undefined;
        job?.reject(died(`the pixel worker running ${job.task} exited (code ${exitCode})`));
        this.#restarts++;
        this.#replace(slot.renders);
      });
    });
  }

  /** A worker died: start another, with backoff while replacements fail to start. */
  #replace(renders: boolean): void {
    const delay = this.#respawns === 0 ? 0 : backoffMs(this.#respawns - 1, { initialMs: 1000, maxMs: 30_000 });
    this.#respawns++;
    setTimeout(() => {
      if (this.#closing) return;
      this.#spawn(renders).then(
        () => this.#dispatch(),
        (error: unknown) => {
          if (this.#closing) return;
          this.options.log.error(
            { code: (error as CxrError).code, err: (error as Error).message },
            'pixel worker restart failed',
          );
          this.#replace(renders);
        },
      );
    }, delay).unref();
  }

  #settle(slot: Slot, reply: Extract<WorkerReply, { id: number }>): void {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    slot.job = undefined;
    if (reply.type === 'done') {
      job.resolve({ output: reply.output, waitMs: slot.startedAt - job.queuedAt, workMs: reply.workMs });
    } else job.reject(rebuildError(reply.error));
    this.#dispatch();
  }
}

const STARTING_GRACE_MS = 30_000;

/** Resolves when a starting worker has exited (its ready or failed handler stops it), at worst terminating it. */
function stopOnceStarted(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), STARTING_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function died(message: string): CxrError {
  return new CxrError('CXR_ERR_AGENT_WORKER_DIED', message, { kind: 'internal' });
}
